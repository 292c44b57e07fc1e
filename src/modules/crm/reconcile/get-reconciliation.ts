import type { Database, Executor } from '../../../platform/db/index.js';
import { canAccessLocation, tenantScopeOf, type Principal } from '../../../platform/http/index.js';
import { fail, succeed, type Result } from '../../../platform/result/index.js';
import { findLocationGhlLink } from '../../tenants/index.js';
import { computeCoverage } from './count-repairs.js';
import { RECONCILE_ENTITIES } from './reconcile-entities.js';
import { findReconcileCheckpoints, listReconcileEntities, listReconcileRunsOfLocation, type ReconcileEntityRow, type ReconcileRunRow } from './reconcile-runs.repo.js';

export interface ReconcileEntityView {
  name: string;
  status: string;
  attempts: number;
  fetched: number;
  listed: number;
  repaired: number;
  unapplied: number;
  /** (listed − repaired) / listed; 1 when nothing changed. */
  coverage: number;
  requests: number;
  previousCheckpointAt: string | null;
  sinceAt: string | null;
  checkpointAt: string | null;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ReconcileRunView {
  id: string;
  trigger: string;
  status: string;
  isFinished: boolean;
  jobId: string | null;
  listed: number;
  repaired: number;
  /** Over all entities; while the run is unfinished, of what it has counted so far. */
  coverage: number;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  entities: ReconcileEntityView[];
}

export interface ReconciliationView {
  locationId: string;
  /** Per entity, where the next run starts (before the overlap); null before the first finished run. */
  checkpoints: { entity: string; checkpointAt: string | null }[];
  latest: ReconcileRunView | null;
  runs: ReconcileRunView[];
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function toEntityView(row: ReconcileEntityRow): ReconcileEntityView {
  return {
    name: row.entity,
    status: row.status,
    attempts: row.attempts,
    fetched: row.fetchedCount,
    listed: row.listedCount,
    repaired: row.repairedCount,
    unapplied: row.unappliedCount,
    coverage: computeCoverage(row.listedCount, row.repairedCount),
    requests: row.requestCount,
    previousCheckpointAt: iso(row.previousCheckpointAt),
    sinceAt: iso(row.sinceAt),
    checkpointAt: iso(row.checkpointAt),
    error: row.error,
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
  };
}

function toRunView(run: ReconcileRunRow, entities: readonly ReconcileEntityRow[]): ReconcileRunView {
  const isFinished = run.status === 'done' || run.status === 'partial' || run.status === 'failed';
  const listed = isFinished ? run.listedCount : entities.reduce((sum, entity) => sum + entity.listedCount, 0);
  const repaired = isFinished ? run.repairedCount : entities.reduce((sum, entity) => sum + entity.repairedCount, 0);
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    isFinished,
    jobId: run.jobId,
    listed,
    repaired,
    coverage: run.coverage ?? computeCoverage(listed, repaired),
    error: run.error,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    entities: entities.map(toEntityView),
  };
}

async function isLocationVisible(tx: Executor, locationId: string): Promise<boolean> {
  return (await findLocationGhlLink(tx, locationId)) !== undefined;
}

async function readReconciliation(tx: Executor, locationId: string, runLimit: number): Promise<ReconciliationView> {
  const runs = await listReconcileRunsOfLocation(tx, locationId, runLimit);
  const entities = await listReconcileEntities(tx, runs.map((run) => run.id));
  const checkpoints = await findReconcileCheckpoints(tx, locationId);
  const views = runs.map((run) => toRunView(run, entities.filter((entity) => entity.runId === run.id)));
  return {
    locationId,
    checkpoints: RECONCILE_ENTITIES.map((entity) => ({ entity, checkpointAt: iso(checkpoints.get(entity) ?? null) })),
    latest: views[0] ?? null,
    runs: views,
  };
}

/** The location's latest reconciliation runs, as the caller may see them (another tenant's location: not_found). */
export async function getReconciliation(deps: { database: Database }, principal: Principal, locationId: string, runLimit = 10): Promise<Result<ReconciliationView, 'not_found'>> {
  if (!canAccessLocation(principal, locationId)) return fail('not_found', 'Location not found');
  const view = await deps.database.tenant(tenantScopeOf(principal), async (tx) => ((await isLocationVisible(tx, locationId)) ? readReconciliation(tx, locationId, runLimit) : undefined));
  return view ? succeed(view) : fail('not_found', 'Location not found');
}
