import { z } from 'zod';
import { errorResponses, principalOf, sendError, type HttpServer } from '../../platform/http/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { registerAccount } from './register-account.js';
import { logIn } from './log-in.js';
import { createLocation, getLocation, listLocations, updateLocation } from './manage-locations.js';
import { createApiKey, listApiKeys, revokeApiKey } from './manage-api-keys.js';
import { createInvite, listInvites, revokeInvite } from './manage-invites.js';
import { getCurrentUser, listUsers } from './list-users.js';
import {
  apiKeyViewSchema,
  createApiKeyBodySchema,
  createInviteBodySchema,
  createLocationBodySchema,
  inviteViewSchema,
  locationViewSchema,
  loginBodySchema,
  pageOf,
  paginationQuerySchema,
  registerBodySchema,
  sessionSchema,
  updateLocationBodySchema,
  userViewSchema,
  streamTicketSchema,
} from './tenants.schemas.js';

export function registerTenantsRoutes(app: HttpServer, deps: TenantsDeps): void {
  app.post(
    '/api/auth/register',
    {
      config: { isPublic: true },
      schema: {
        tags: ['auth'],
        summary: 'Create an agency with its first admin, or join one with an invite code',
        security: [],
        body: registerBodySchema,
        response: { 201: sessionSchema, ...errorResponses(400, 409, 429) },
      },
    },
    async (request, reply) => {
      const result = await registerAccount(deps, { ...request.body, ip: request.ip });
      if (result.ok) return reply.status(201).send({ ...result.value, expiresAt: result.value.expiresAt.toISOString() });
      switch (result.code) {
        case 'email_taken':
          return sendError(reply, 409, result.code, result.message);
        case 'invite_invalid':
        case 'invite_email_mismatch':
        case 'password_matches_email':
        case 'password_too_common':
          return sendError(reply, 400, result.code, result.message);
        case 'too_many_attempts': {
          const details = result.details as { retryAfterSeconds: number };
          reply.header('retry-after', String(details.retryAfterSeconds));
          return sendError(reply, 429, result.code, result.message, details);
        }
      }
    },
  );

  app.post(
    '/api/auth/login',
    {
      config: { isPublic: true },
      schema: {
        tags: ['auth'],
        summary: 'Log in with email and password; returns a 7-day JWT',
        security: [],
        body: loginBodySchema,
        response: { 200: sessionSchema, ...errorResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const result = await logIn(deps, { ...request.body, ip: request.ip });
      if (result.ok) return reply.send({ ...result.value, expiresAt: result.value.expiresAt.toISOString() });
      switch (result.code) {
        case 'invalid_credentials':
          return sendError(reply, 401, result.code, result.message);
        case 'too_many_attempts': {
          const details = result.details as { retryAfterSeconds: number };
          reply.header('retry-after', String(details.retryAfterSeconds));
          return sendError(reply, 429, result.code, result.message, details);
        }
      }
    },
  );

  app.get(
    '/api/auth/me',
    { schema: { tags: ['auth'], summary: 'The logged-in user', response: { 200: userViewSchema, ...errorResponses(401, 404) } } },
    async (request, reply) => {
      const result = await getCurrentUser(deps, principalOf(request));
      if (result.ok) return reply.send(result.value);
      return sendError(reply, 404, result.code, result.message);
    },
  );

  app.post(
    '/api/auth/stream-ticket',
    {
      schema: {
        tags: ['auth'],
        summary: 'A 60-second ticket for one Server-Sent Events stream (EventSource cannot send headers): GET …?ticket=<ticket> with Accept: text/event-stream',
        response: { 200: streamTicketSchema, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!principal.userId) return sendError(reply, 403, 'users_only', 'Stream tickets are for logged-in users; API keys send their header on streams');
      const { ticket, expiresAt } = await deps.sessions.issueStreamTicket(principal.userId);
      return reply.send({ ticket, expiresAt: expiresAt.toISOString() });
    },
  );

  app.get(
    '/api/users',
    {
      schema: { tags: ['tenants'], summary: "Users of the caller's agency (agency admins)", querystring: paginationQuerySchema, response: { 200: pageOf(userViewSchema), ...errorResponses(401, 403) } },
    },
    async (request, reply) => {
      const result = await listUsers(deps, principalOf(request), request.query);
      if (result.ok) return reply.send(result.value);
      return sendError(reply, 403, result.code, result.message);
    },
  );

  app.get(
    '/api/locations',
    { schema: { tags: ['tenants'], summary: 'Locations the caller can see', querystring: paginationQuerySchema, response: { 200: pageOf(locationViewSchema), ...errorResponses(401) } } },
    async (request, reply) => reply.send(await listLocations(deps, principalOf(request), request.query)),
  );

  app.post(
    '/api/locations',
    { schema: { tags: ['tenants'], summary: 'Create a location (agency admins)', body: createLocationBodySchema, response: { 201: locationViewSchema, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      const result = await createLocation(deps, principalOf(request), request.body);
      if (result.ok) return reply.status(201).send(result.value);
      switch (result.code) {
        case 'forbidden':
          return sendError(reply, 403, result.code, result.message);
        case 'company_required':
          return sendError(reply, 400, result.code, result.message);
        case 'company_not_found':
          return sendError(reply, 404, result.code, result.message);
      }
    },
  );

  const locationParams = z.object({ locationId: z.string().min(1).max(100) });
  app.get(
    '/api/locations/:locationId',
    { schema: { tags: ['tenants'], summary: 'One location', params: locationParams, response: { 200: locationViewSchema, ...errorResponses(401, 404) } } },
    async (request, reply) => {
      const result = await getLocation(deps, principalOf(request), request.params.locationId);
      if (result.ok) return reply.send(result.value);
      return sendError(reply, 404, result.code, result.message);
    },
  );

  app.patch(
    '/api/locations/:locationId',
    { schema: { tags: ['tenants'], summary: 'Rename a location or set its timezone (location admins)', params: locationParams, body: updateLocationBodySchema, response: { 200: locationViewSchema, ...errorResponses(400, 401, 403, 404) } } },
    async (request, reply) => {
      const result = await updateLocation(deps, principalOf(request), request.params.locationId, request.body);
      if (result.ok) return reply.send(result.value);
      switch (result.code) {
        case 'not_found':
          return sendError(reply, 404, result.code, result.message);
        case 'forbidden':
          return sendError(reply, 403, result.code, result.message);
      }
    },
  );

  app.post(
    '/api/api-keys',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create an API key for a location; the key is shown only in this response',
        body: createApiKeyBodySchema,
        response: { 201: z.object({ apiKey: apiKeyViewSchema, key: z.string() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await createApiKey(deps, principalOf(request), request.body);
      if (result.ok) return reply.status(201).send(result.value);
      switch (result.code) {
        case 'location_not_found':
          return sendError(reply, 404, result.code, result.message);
        case 'forbidden':
          return sendError(reply, 403, result.code, result.message);
      }
    },
  );

  app.get(
    '/api/api-keys',
    { schema: { tags: ['tenants'], summary: 'API keys of the locations the caller administers', response: { 200: z.object({ items: z.array(apiKeyViewSchema) }), ...errorResponses(401) } } },
    async (request, reply) => reply.send({ items: await listApiKeys(deps, principalOf(request)) }),
  );

  app.delete(
    '/api/api-keys/:apiKeyId',
    { schema: { tags: ['tenants'], summary: 'Revoke an API key', params: z.object({ apiKeyId: z.string().min(1).max(100) }), response: { 200: apiKeyViewSchema, ...errorResponses(401, 403, 404) } } },
    async (request, reply) => {
      const result = await revokeApiKey(deps, principalOf(request), request.params.apiKeyId);
      if (result.ok) return reply.send(result.value);
      switch (result.code) {
        case 'not_found':
          return sendError(reply, 404, result.code, result.message);
        case 'forbidden':
          return sendError(reply, 403, result.code, result.message);
      }
    },
  );

  app.post(
    '/api/invites',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create an invite code to join the agency or a location with a role; the code is shown only here',
        body: createInviteBodySchema,
        response: { 201: z.object({ invite: inviteViewSchema, code: z.string() }), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const result = await createInvite(deps, principalOf(request), request.body);
      if (result.ok) return reply.status(201).send(result.value);
      switch (result.code) {
        case 'forbidden':
          return sendError(reply, 403, result.code, result.message);
        case 'location_not_found':
          return sendError(reply, 404, result.code, result.message);
        case 'role_mismatch':
        case 'company_required':
          return sendError(reply, 400, result.code, result.message);
      }
    },
  );

  app.get(
    '/api/invites',
    { schema: { tags: ['tenants'], summary: 'Invites the caller manages', response: { 200: z.object({ items: z.array(inviteViewSchema) }), ...errorResponses(401) } } },
    async (request, reply) => reply.send({ items: await listInvites(deps, principalOf(request)) }),
  );

  app.delete(
    '/api/invites/:inviteId',
    { schema: { tags: ['tenants'], summary: 'Revoke an invite', params: z.object({ inviteId: z.string().min(1).max(100) }), response: { 200: inviteViewSchema, ...errorResponses(401, 404) } } },
    async (request, reply) => {
      const result = await revokeInvite(deps, principalOf(request), request.params.inviteId);
      if (result.ok) return reply.send(result.value);
      switch (result.code) {
        case 'not_found':
          return sendError(reply, 404, result.code, result.message);
      }
    },
  );
}
