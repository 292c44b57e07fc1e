import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { principalOf, routeFailures, sendFailure, type HttpServer } from '../../platform/http/index.js';
import { fail, type Failure } from '../../platform/result/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { registerAccount } from './register-account.js';
import { logIn } from './log-in.js';
import { createLocation, getLocation, listLocations, updateLocation } from './manage-locations.js';
import { createApiKey, listApiKeys, revokeApiKey } from './manage-api-keys.js';
import { createInvite, listInvites, revokeInvite } from './manage-invites.js';
import { getCurrentUser, listUsers } from './list-users.js';
import { changePassword } from './change-password.js';
import { endCurrentSession, endOtherSessions, endUserSession, listUserSessions } from './user-sessions.js';
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
  sessionIdParamsSchema,
  changePasswordBodySchema,
  userSessionViewSchema,
} from './tenants.schemas.js';
import { TENANTS_ERROR_STATUS } from './tenants.errors.js';

const registerFailures = routeFailures(TENANTS_ERROR_STATUS, ['email_taken', 'invite_invalid', 'invite_email_mismatch', 'password_matches_email', 'password_too_common', 'too_many_attempts']);
const loginFailures = routeFailures(TENANTS_ERROR_STATUS, ['invalid_credentials', 'too_many_attempts']);
const notFound = routeFailures(TENANTS_ERROR_STATUS, ['not_found']);
const forbidden = routeFailures(TENANTS_ERROR_STATUS, ['forbidden']);
const usersOnly = routeFailures(TENANTS_ERROR_STATUS, ['users_only']);
const endSessionFailures = routeFailures(TENANTS_ERROR_STATUS, ['users_only', 'not_found']);
const changePasswordFailures = routeFailures(TENANTS_ERROR_STATUS, ['users_only', 'not_found', 'current_password_incorrect', 'password_unchanged', 'password_matches_email', 'password_too_common', 'too_many_attempts']);
const createLocationFailures = routeFailures(TENANTS_ERROR_STATUS, ['forbidden', 'company_required', 'company_not_found']);
const changeFailures = routeFailures(TENANTS_ERROR_STATUS, ['not_found', 'forbidden']);
const createApiKeyFailures = routeFailures(TENANTS_ERROR_STATUS, ['location_not_found', 'forbidden']);
const createInviteFailures = routeFailures(TENANTS_ERROR_STATUS, ['forbidden', 'location_not_found', 'role_mismatch', 'company_required']);

/** Throttled answers tell the caller when to try again. */
function setRetryAfter(reply: FastifyReply, failure: Failure<string>): void {
  if (failure.code === 'too_many_attempts') reply.header('retry-after', String((failure.details as { retryAfterSeconds: number }).retryAfterSeconds));
}

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
        response: { 201: sessionSchema, ...registerFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await registerAccount(deps, { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] });
      if (result.ok) return reply.status(201).send({ ...result.value, expiresAt: result.value.expiresAt.toISOString() });
      setRetryAfter(reply, result);
      return sendFailure(reply, registerFailures, result);
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
        response: { 200: sessionSchema, ...loginFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await logIn(deps, { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] });
      if (result.ok) return reply.send({ ...result.value, expiresAt: result.value.expiresAt.toISOString() });
      setRetryAfter(reply, result);
      return sendFailure(reply, loginFailures, result);
    },
  );

  app.get(
    '/api/auth/me',
    { schema: { tags: ['auth'], summary: 'The logged-in user', response: { 200: userViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await getCurrentUser(deps, principalOf(request));
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, notFound, result);
    },
  );

  app.post(
    '/api/auth/stream-ticket',
    {
      schema: {
        tags: ['auth'],
        summary: 'A 60-second ticket for one Server-Sent Events stream (EventSource cannot send headers): GET …?ticket=<ticket> with Accept: text/event-stream',
        response: { 200: streamTicketSchema, ...usersOnly.responses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      if (!principal.userId || !principal.sessionId) return sendFailure(reply, usersOnly, fail('users_only', 'Stream tickets are for logged-in users; API keys send their header on streams'));
      const { ticket, expiresAt } = await deps.sessions.issueStreamTicket({ userId: principal.userId, sessionId: principal.sessionId });
      return reply.send({ ticket, expiresAt: expiresAt.toISOString() });
    },
  );

  app.post(
    '/api/auth/logout',
    {
      schema: {
        tags: ['auth'],
        summary: "Log out: ends the session of the caller's token at once (the token and its stream tickets are refused from now on)",
        response: { 204: z.null(), ...usersOnly.responses },
      },
    },
    async (request, reply) => {
      const result = await endCurrentSession(deps, principalOf(request));
      if (result.ok) return reply.status(204).send(null);
      return sendFailure(reply, usersOnly, result);
    },
  );

  app.get(
    '/api/auth/sessions',
    {
      schema: {
        tags: ['auth'],
        summary: "The caller's live sessions (logins not yet logged out or expired), newest first",
        response: { 200: z.object({ items: z.array(userSessionViewSchema) }), ...usersOnly.responses },
      },
    },
    async (request, reply) => {
      const result = await listUserSessions(deps, principalOf(request));
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, usersOnly, result);
    },
  );

  app.delete(
    '/api/auth/sessions/:sessionId',
    {
      schema: {
        tags: ['auth'],
        summary: "Ends one of the caller's own sessions (another user's is 404)",
        params: sessionIdParamsSchema,
        response: { 204: z.null(), ...endSessionFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await endUserSession(deps, principalOf(request), request.params.sessionId);
      if (result.ok) return reply.status(204).send(null);
      return sendFailure(reply, endSessionFailures, result);
    },
  );

  app.post(
    '/api/auth/sessions/sign-out-others',
    {
      schema: {
        tags: ['auth'],
        summary: "Ends every live session of the caller except the one making this request; answers how many ended",
        response: { 200: z.object({ ended: z.number().int() }), ...usersOnly.responses },
      },
    },
    async (request, reply) => {
      const result = await endOtherSessions(deps, principalOf(request));
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, usersOnly, result);
    },
  );

  app.post(
    '/api/auth/password',
    {
      schema: {
        tags: ['auth'],
        summary: "Change your password (the current one is required; wrong guesses count against the login throttle); every other session of yours ends",
        body: changePasswordBodySchema,
        response: { 200: z.object({ endedSessions: z.number().int().describe('Your other sessions, signed out') }), ...changePasswordFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await changePassword(deps, principalOf(request), request.body);
      if (result.ok) return reply.send(result.value);
      setRetryAfter(reply, result);
      return sendFailure(reply, changePasswordFailures, result);
    },
  );

  app.get(
    '/api/users',
    {
      schema: { tags: ['tenants'], summary: "Users of the caller's agency (agency admins)", querystring: paginationQuerySchema, response: { 200: pageOf(userViewSchema), ...forbidden.responses } },
    },
    async (request, reply) => {
      const result = await listUsers(deps, principalOf(request), request.query);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, forbidden, result);
    },
  );

  app.get(
    '/api/locations',
    { schema: { tags: ['tenants'], summary: 'Locations the caller can see', querystring: paginationQuerySchema, response: { 200: pageOf(locationViewSchema) } } },
    async (request, reply) => reply.send(await listLocations(deps, principalOf(request), request.query)),
  );

  app.post(
    '/api/locations',
    { schema: { tags: ['tenants'], summary: 'Create a location (agency admins)', body: createLocationBodySchema, response: { 201: locationViewSchema, ...createLocationFailures.responses } } },
    async (request, reply) => {
      const result = await createLocation(deps, principalOf(request), request.body);
      if (result.ok) return reply.status(201).send(result.value);
      return sendFailure(reply, createLocationFailures, result);
    },
  );

  const locationParams = z.object({ locationId: z.string().min(1).max(100) });
  app.get(
    '/api/locations/:locationId',
    { schema: { tags: ['tenants'], summary: 'One location', params: locationParams, response: { 200: locationViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await getLocation(deps, principalOf(request), request.params.locationId);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, notFound, result);
    },
  );

  app.patch(
    '/api/locations/:locationId',
    { schema: { tags: ['tenants'], summary: 'Rename a location or set its timezone (location admins)', params: locationParams, body: updateLocationBodySchema, response: { 200: locationViewSchema, ...changeFailures.responses } } },
    async (request, reply) => {
      const result = await updateLocation(deps, principalOf(request), request.params.locationId, request.body);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, changeFailures, result);
    },
  );

  app.post(
    '/api/api-keys',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create an API key for a location; the key is shown only in this response',
        body: createApiKeyBodySchema,
        response: { 201: z.object({ apiKey: apiKeyViewSchema, key: z.string() }), ...createApiKeyFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await createApiKey(deps, principalOf(request), request.body);
      if (result.ok) return reply.status(201).send(result.value);
      return sendFailure(reply, createApiKeyFailures, result);
    },
  );

  app.get(
    '/api/api-keys',
    { schema: { tags: ['tenants'], summary: 'API keys of the locations the caller administers', response: { 200: z.object({ items: z.array(apiKeyViewSchema) }) } } },
    async (request, reply) => reply.send({ items: await listApiKeys(deps, principalOf(request)) }),
  );

  app.delete(
    '/api/api-keys/:apiKeyId',
    { schema: { tags: ['tenants'], summary: 'Revoke an API key', params: z.object({ apiKeyId: z.string().min(1).max(100) }), response: { 200: apiKeyViewSchema, ...changeFailures.responses } } },
    async (request, reply) => {
      const result = await revokeApiKey(deps, principalOf(request), request.params.apiKeyId);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, changeFailures, result);
    },
  );

  app.post(
    '/api/invites',
    {
      schema: {
        tags: ['tenants'],
        summary: 'Create an invite code to join the agency or a location with a role; the code is shown only here',
        body: createInviteBodySchema,
        response: { 201: z.object({ invite: inviteViewSchema, code: z.string() }), ...createInviteFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await createInvite(deps, principalOf(request), request.body);
      if (result.ok) return reply.status(201).send(result.value);
      return sendFailure(reply, createInviteFailures, result);
    },
  );

  app.get(
    '/api/invites',
    { schema: { tags: ['tenants'], summary: 'Invites the caller manages', response: { 200: z.object({ items: z.array(inviteViewSchema) }) } } },
    async (request, reply) => reply.send({ items: await listInvites(deps, principalOf(request)) }),
  );

  app.delete(
    '/api/invites/:inviteId',
    { schema: { tags: ['tenants'], summary: 'Revoke an invite', params: z.object({ inviteId: z.string().min(1).max(100) }), response: { 200: inviteViewSchema, ...notFound.responses } } },
    async (request, reply) => {
      const result = await revokeInvite(deps, principalOf(request), request.params.inviteId);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, notFound, result);
    },
  );
}
