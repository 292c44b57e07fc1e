import type { Database, Executor } from '../../../platform/db/index.js';
import { canAccessLocation, tenantScopeOf, type Principal } from '../../../platform/http/index.js';
import { fail, succeed, type Result } from '../../../platform/result/index.js';
import { findStepHighWaterMarks, isRunFinished, listRunSteps, listRunsOfLocation, type RunRow, type RunStepRow } from '../../../platform/runs/index.js';
import { findLocationGhlLink } from '../../tenants/index.js';
import { computeCoverage } from './count-repairs.js';
import { RECONCILE_ENTITIES, RECONCILE_KIND } from './reconcile-entities.js';

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

const count = (step: RunStepRow, name: string) => step.counts[name] ?? 0;
const numberOrNull = (value: unknown) => (typeof value === 'number' ? value : null);
const isoOf = (value: unknown) => (typeof value === 'string' ? new Date(value).toISOString() : null);

function toEntityView(step: RunStepRow): ReconcileEntityView {
  const listed = count(step, 'listed');
  const repaired = count(step, 'repaired');
  return {
    name: step.step,
    status: step.status,
    attempts: step.attempts,
    fetched: step.recordCount,
    listed,
    repaired,
    unapplied: count(step, 'unapplied'),
    coverage: computeCoverage(listed, repaired),
    requests: step.requestCount,
    previousCheckpointAt: isoOf(step.params?.['previousCheckpointAt']),
    sinceAt: isoOf(step.params?.['sinceAt']),
    checkpointAt: iso(step.highWaterAt),
    error: step.error,
    startedAt: iso(step.startedAt),
    finishedAt: iso(step.finishedAt),
  };
}

function toRunView(run: RunRow, steps: readonly RunStepRow[]): ReconcileRunView {
  const isFinished = isRunFinished(run.status);
  const summed = (name: string) => steps.reduce((sum, step) => sum + count(step, name), 0);
  const listed = isFinished ? (numberOrNull(run.summary?.['listed']) ?? 0) : summed('listed');
  const repaired = isFinished ? (numberOrNull(run.summary?.['repaired']) ?? 0) : summed('repaired');
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    isFinished,
    jobId: run.jobId,
    listed,
    repaired,
    coverage: numberOrNull(run.summary?.['coverage']) ?? computeCoverage(listed, repaired),
    error: run.error,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    entities: steps.map(toEntityView),
  };
}

async function readReconciliation(tx: Executor, locationId: string, runLimit: number): Promise<ReconciliationView> {
  const runs = await listRunsOfLocation(tx, { kind: RECONCILE_KIND, locationId, limit: runLimit });
  const entities = await listRunSteps(tx, runs.map((run) => run.id));
  const checkpoints = await findStepHighWaterMarks(tx, { kind: RECONCILE_KIND, locationId });
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
  const view = await deps.database.tenant(tenantScopeOf(principal), async (tx) => ((await findLocationGhlLink(tx, locationId)) ? readReconciliation(tx, locationId, runLimit) : undefined));
  return view ? succeed(view) : fail('not_found', 'Location not found');
}
