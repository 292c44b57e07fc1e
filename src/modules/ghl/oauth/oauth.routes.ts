import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { routeFailures, sendError, sendFailure, streamSnapshots, wantsEventStream, type HttpServer } from '../../../platform/http/index.js';
import { GHL_ERROR_STATUS } from '../ghl.errors.js';
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

const callbackFailures = routeFailures(GHL_ERROR_STATUS, ['state_invalid', 'code_rejected', 'token_incomplete', 'company_conflict', 'ghl_unavailable']);

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
        response: { 200: installedSchema, ...callbackFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await completeInstall(deps, { code: request.query.code, state: request.query.state });
      // The installing user's browser lands here from GHL's consent page: show it a result, not JSON.
      if ((request.headers.accept ?? '').includes('text/html')) {
        const outcome = result.ok ? { status: 'installed' as const, locations: result.value.locations.length } : { status: 'failed' as const, error: result.code, message: result.message };
        const doneUrl = deps.settings.installDoneUrl;
        if (doneUrl) return reply.redirect(installDoneRedirect(doneUrl, outcome), 302);
        // An HTML body outside the JSON response schemas: its own serializer.
        const page = reply as unknown as FastifyReply;
        return page.code(result.ok ? 200 : 400).type('text/html; charset=utf-8').serializer((body) => String(body)).send(installDonePage(outcome));
      }
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, callbackFailures, result);
    },
  );

  app.get(
    '/api/ghl/installations',
    {
      config: { isEventStream: true },
      schema: {
        tags: ['ghl'],
        summary: "GHL installations of the caller's agency with their token state (needs_reauth shows here with the reason); with Accept: text/event-stream a live stream of the same",
        response: { 200: z.object({ items: z.array(installationSchema) }) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const items = await listInstallations(deps.database, principal);
      if (!wantsEventStream(request)) return reply.send({ items });
      return streamSnapshots(request, reply, { event: 'installations', initial: { items }, intervalMs: 5000, maxSeconds: 600, read: async () => ({ items: await listInstallations(deps.database, principal) }) });
    },
  );
}


type InstallOutcome = { status: 'installed'; locations: number } | { status: 'failed'; error: string; message: string };

function installDoneRedirect(doneUrl: string, outcome: InstallOutcome): string {
  const url = new URL(doneUrl);
  url.searchParams.set('status', outcome.status);
  if (outcome.status === 'installed') url.searchParams.set('locations', String(outcome.locations));
  else url.searchParams.set('error', outcome.error);
  return url.toString();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

function installDonePage(outcome: InstallOutcome): string {
  const title = outcome.status === 'installed' ? 'Switchboard is installed' : 'The installation did not complete';
  const detail =
    outcome.status === 'installed'
      ? `${outcome.locations} location${outcome.locations === 1 ? '' : 's'} connected; their data is being synced. You can close this tab.`
      : `${escapeHtml(outcome.message)} (${escapeHtml(outcome.error)}). Start the installation again from the marketplace.`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto"><h1>${title}</h1><p>${detail}</p></body></html>`;
}
