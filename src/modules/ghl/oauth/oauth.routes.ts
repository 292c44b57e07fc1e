import { z } from 'zod';
import { errorResponses, sendError, type HttpServer } from '../../../platform/http/index.js';
import { listInstallations } from './list-installations.js';
import { buildInstallUrl, completeInstall, type InstallDeps } from './install-app.js';

const installedSchema = z
  .object({
    userType: z.enum(['Company', 'Location']),
    ghlCompanyId: z.string(),
    companyId: z.string(),
    locations: z.array(z.object({ ghlLocationId: z.string(), locationId: z.string(), name: z.string().nullable() })),
    failedLocations: z.array(z.object({ ghlLocationId: z.string(), reason: z.string() })),
  })
  .meta({ id: 'GhlInstallResult' });

const installationSchema = z
  .object({
    id: z.string(),
    installType: z.enum(['Company', 'Location']),
    status: z.string(),
    ghlCompanyId: z.string().nullable(),
    ghlLocationId: z.string().nullable(),
    locationId: z.string().nullable(),
    planId: z.string().nullable(),
    installedAt: z.string().nullable(),
    uninstalledAt: z.string().nullable(),
    token: z.object({ status: z.string(), reason: z.string().nullable(), accessExpiresAt: z.string().nullable(), refreshedAt: z.string().nullable(), scopes: z.array(z.string()) }).nullable(),
  })
  .meta({ id: 'GhlInstallation' });

export function registerOAuthRoutes(app: HttpServer, deps: InstallDeps): void {
  app.get(
    '/api/oauth/install',
    {
      config: { isPublic: true },
      schema: {
        tags: ['ghl'],
        summary:
          "Start a GHL marketplace install: redirects to GHL's consent page with a signed state. Called with an agency admin's credentials and redirect=false it answers the URL as JSON and links the GHL agency to the caller's agency.",
        querystring: z.object({ userType: z.enum(['Company', 'Location']).default('Location'), redirect: z.enum(['true', 'false']).default('true') }),
        response: { 200: z.object({ url: z.string() }), 302: z.null().describe('Redirect to the consent page') },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      const companyId = principal && (principal.role === 'agency_admin' || principal.role === 'platform_admin') ? (principal.companyId ?? undefined) : undefined;
      const url = await buildInstallUrl(deps, request.query.userType, companyId);
      return request.query.redirect === 'false' ? reply.send({ url }) : reply.redirect(url, 302);
    },
  );

  app.get(
    '/api/oauth/callback',
    {
      config: { isPublic: true },
      schema: {
        tags: ['ghl'],
        summary: 'OAuth redirect target: exchanges the code and stores the installation',
        security: [],
        querystring: z.object({ code: z.string().min(1).max(4096), state: z.string().max(4096).optional() }),
        response: { 200: installedSchema, ...errorResponses(400, 409, 502) },
      },
    },
    async (request, reply) => {
      const result = await completeInstall(deps, { code: request.query.code, state: request.query.state });
      if (result.ok) return reply.send(result.value);
      switch (result.code) {
        case 'state_invalid':
        case 'code_rejected':
        case 'token_incomplete':
          return sendError(reply, 400, result.code, result.message);
        case 'company_conflict':
          return sendError(reply, 409, result.code, result.message);
        case 'ghl_unavailable':
          return sendError(reply, 502, result.code, result.message);
      }
    },
  );

  app.get(
    '/api/ghl/installations',
    {
      schema: {
        tags: ['ghl'],
        summary: "GHL installations of the caller's agency with their token state (needs_reauth shows here with the reason)",
        response: { 200: z.object({ items: z.array(installationSchema) }), ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      return reply.send({ items: await listInstallations(deps.database, principal) });
    },
  );
}

