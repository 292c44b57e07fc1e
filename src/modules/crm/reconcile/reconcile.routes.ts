import type { Database } from '../../../platform/db/index.js';
import { errorResponses, sendError, type HttpServer } from '../../../platform/http/index.js';
import { getReconciliation } from './get-reconciliation.js';
import type { Reconciliation } from './reconcile.jobs.js';
import { reconcileLocationParams, reconciliationRequestedSchema, reconciliationSchema } from './reconcile.schemas.js';
import { requestReconciliation } from './request-reconciliation.js';

export interface ReconciliationRoutesDeps {
  database: Database;
  /** Enables POST; omit in processes without GHL (the GET still reads past runs). */
  reconciliation?: Pick<Reconciliation, 'requestRun'>;
}

/**
 * GET /api/sync/reconciliation/:locationId: the latest reconciliation runs with per-entity counts,
 * checkpoints and coverage. POST starts a run now (location admins and agency admins).
 */
export function registerReconciliationRoutes(app: HttpServer, deps: ReconciliationRoutesDeps): void {
  app.get(
    '/api/sync/reconciliation/:locationId',
    {
      schema: {
        tags: ['ghl'],
        summary: 'Reconciliation runs of a location: changes GHL listed since the checkpoint, how many webhooks had missed (repaired), coverage',
        params: reconcileLocationParams,
        response: { 200: reconciliationSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const result = await getReconciliation(deps, principal, request.params.locationId);
      if (!result.ok) {
        switch (result.code) {
          case 'not_found':
            return sendError(reply, 404, result.code, result.message);
        }
      }
      return reply.send(result.value);
    },
  );

  app.post(
    '/api/sync/reconciliation/:locationId',
    {
      schema: {
        tags: ['ghl'],
        summary: 'Reconcile the location with GHL now (location admins); an unfinished run is returned instead of a second one',
        params: reconcileLocationParams,
        response: { 202: reconciliationRequestedSchema, ...errorResponses(400, 401, 403, 404, 409, 501) },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const reconciliation = deps.reconciliation;
      if (!reconciliation) return sendError(reply, 501, 'not_enabled', 'This process does not run reconciliations');
      const result = await requestReconciliation({ database: deps.database, reconciliation }, principal, request.params.locationId);
      if (!result.ok) {
        switch (result.code) {
          case 'not_found':
            return sendError(reply, 404, result.code, result.message);
          case 'forbidden':
            return sendError(reply, 403, result.code, result.message);
          case 'not_installed':
          case 'not_synced':
            return sendError(reply, 409, result.code, result.message);
        }
      }
      return reply.status(202).send(result.value);
    },
  );
}
