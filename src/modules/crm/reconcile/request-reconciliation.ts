import type { Database } from '../../../platform/db/index.js';
import type { Principal } from '../../../platform/http/index.js';
import type { Result } from '../../../platform/result/index.js';
import { findGhlLocationIdForSync } from '../sync/get-sync-progress.js';
import type { Reconciliation, ReconcileRequested } from './reconcile.jobs.js';

export type RequestReconciliationError = 'not_found' | 'forbidden' | 'not_installed' | 'not_synced';

/** A location admin (or agency admin) starts a reconciliation of the location now. */
export async function requestReconciliation(
  deps: { database: Database; reconciliation: Pick<Reconciliation, 'requestRun'> },
  principal: Principal,
  locationId: string,
): Promise<Result<ReconcileRequested, RequestReconciliationError>> {
  const target = await findGhlLocationIdForSync(deps, principal, locationId);
  if (!target.ok) return target;
  return deps.reconciliation.requestRun(target.value);
}
