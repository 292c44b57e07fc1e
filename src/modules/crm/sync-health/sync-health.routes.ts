import { routeFailures, sendError, sendFailure, streamSnapshots, wantsEventStream, type HttpServer } from '../../../platform/http/index.js';
import { CRM_ERROR_STATUS } from '../crm.errors.js';
import { getSyncHealth, type SyncHealthDeps } from './get-sync-health.js';
import { syncHealthParamsSchema, syncHealthSchema } from './sync-health.schemas.js';

const healthFailures = routeFailures(CRM_ERROR_STATUS, ['not_found']);

/** GET /api/sync/health/:locationId: per-entity sync figures, outbox backlog and failures, token and install state. */
export function registerSyncHealthRoutes(app: HttpServer, deps: SyncHealthDeps): void {
  app.get(
    '/api/sync/health/:locationId',
    {
      config: { isEventStream: true },
      schema: {
        tags: ['ghl'],
        summary: 'Sync health of a location: counts per entity, pending pushes, failures, last sync, token and installation state; with Accept: text/event-stream a live stream of the same (every change, checked each 5 s)',
        params: syncHealthParamsSchema,
        response: { 200: syncHealthSchema, ...healthFailures.responses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const result = await getSyncHealth(deps, principal, request.params.locationId);
      if (result.ok && wantsEventStream(request)) {
        return streamSnapshots(request, reply, {
          event: 'health',
          initial: result.value,
          intervalMs: 5000,
          maxSeconds: 600,
          ignoreKeys: ['checkedAt'],
          read: async () => {
            const next = await getSyncHealth(deps, principal, request.params.locationId);
            return next.ok ? next.value : undefined;
          },
        });
      }
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, healthFailures, result);
    },
  );
}
