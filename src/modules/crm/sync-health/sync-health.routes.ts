import { routeFailures, sendError, sendFailure, type HttpServer } from '../../../platform/http/index.js';
import { CRM_ERROR_STATUS } from '../crm.errors.js';
import { getSyncHealth, type SyncHealthDeps } from './get-sync-health.js';
import { syncHealthParamsSchema, syncHealthSchema } from './sync-health.schemas.js';

const healthFailures = routeFailures(CRM_ERROR_STATUS, ['not_found']);

/** GET /api/sync/health/:locationId: per-entity sync figures, outbox backlog and failures, token and install state. */
export function registerSyncHealthRoutes(app: HttpServer, deps: SyncHealthDeps): void {
  app.get(
    '/api/sync/health/:locationId',
    {
      schema: {
        tags: ['ghl'],
        summary: 'Sync health of a location: counts per entity, pending pushes, failures, last sync, token and installation state',
        params: syncHealthParamsSchema,
        response: { 200: syncHealthSchema, ...healthFailures.responses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const result = await getSyncHealth(deps, principal, request.params.locationId);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, healthFailures, result);
    },
  );
}
