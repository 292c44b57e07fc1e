import type { Database } from '../../../platform/db/index.js';
import { routeFailures, sendError, sendFailure, type HttpServer } from '../../../platform/http/index.js';
import { fail } from '../../../platform/result/index.js';
import { CRM_ERROR_STATUS } from '../crm.errors.js';
import { getReconciliation } from './get-reconciliation.js';
import type { Reconciliation } from './reconcile.jobs.js';
import { reconcileLocationParams, reconcileRunsQuery, reconciliationRequestedSchema, reconciliationSchema } from './reconcile.schemas.js';
import { requestReconciliation } from './request-reconciliation.js';

const reconciliationFailures = routeFailures(CRM_ERROR_STATUS, ['not_found']);
const reconcileFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'forbidden', 'not_installed', 'not_synced', 'not_enabled']);

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
        querystring: reconcileRunsQuery,
        response: { 200: reconciliationSchema, ...reconciliationFailures.responses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const result = await getReconciliation(deps, principal, request.params.locationId, request.query.limit);
      if (!result.ok) return sendFailure(reply, reconciliationFailures, result);
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
        response: { 202: reconciliationRequestedSchema, ...reconcileFailures.responses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const reconciliation = deps.reconciliation;
      if (!reconciliation) return sendFailure(reply, reconcileFailures, fail('not_enabled', 'This process does not run reconciliations'));
      const result = await requestReconciliation({ database: deps.database, reconciliation }, principal, request.params.locationId);
      if (!result.ok) return sendFailure(reply, reconcileFailures, result);
      return reply.status(202).send(result.value);
    },
  );
}
