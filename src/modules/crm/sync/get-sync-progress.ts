import type { Database, Executor } from '../../../platform/db/index.js';
import { canAccessLocation, isLocationAdmin, tenantScopeOf, type Principal } from '../../../platform/http/index.js';
import { fail, succeed, type Result } from '../../../platform/result/index.js';
import { findRunsVersion, isRunFinished, listRunSteps, listRunsOfLocation, type RunRow, type RunStepRow } from '../../../platform/runs/index.js';
import { findLocationGhlLink } from '../../tenants/index.js';
import { SETUP_SYNC_KIND, SETUP_SYNC_STEP_DEFINITIONS } from './setup-sync-steps.js';

export interface SyncStepView {
  name: string;
  status: string;
  isRequired: boolean;
  records: number;
  requests: number;
  rateLimited: number;
  seconds: number;
  attempts: number;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface SyncRunView {
  id: string;
  trigger: string;
  status: string;
  isFinished: boolean;
  isUsable: boolean;
  grade: string | null;
  createdAt: string;
  startedAt: string | null;
  usableAt: string | null;
  finishedAt: string | null;
  /** Seconds since the start, or until the finish once finished. */
  elapsedSeconds: number | null;
  stepsDone: number;
  stepsTotal: number;
  steps: SyncStepView[];
  report: Record<string, unknown> | null;
}

export interface SyncProgressView {
  locationId: string;
  /** The newest run, null before the first sync was requested. */
  current: SyncRunView | null;
  runs: SyncRunView[];
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const REQUIRED = new Set<string>(SETUP_SYNC_STEP_DEFINITIONS.filter((step) => step.isRequired).map((step) => step.name));

function toRunView(run: RunRow, steps: readonly RunStepRow[], now: Date): SyncRunView {
  const isFinished = isRunFinished(run.status);
  const grade = run.summary?.['grade'];
  const end = isFinished ? run.finishedAt : now;
  return {
    id: run.id,
    trigger: run.trigger,
    status: run.status,
    isFinished,
    isUsable: run.readyAt !== null,
    grade: typeof grade === 'string' ? grade : null,
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    usableAt: iso(run.readyAt),
    finishedAt: iso(run.finishedAt),
    elapsedSeconds: run.startedAt && end ? Math.max(0, (end.getTime() - run.startedAt.getTime()) / 1000) : null,
    stepsDone: steps.filter((step) => step.status === 'done').length,
    stepsTotal: steps.length,
    steps: steps.map((step) => ({
      name: step.step,
      status: step.status,
      isRequired: REQUIRED.has(step.step),
      records: step.recordCount,
      requests: step.requestCount,
      rateLimited: step.rateLimitedCount,
      seconds: step.durationMs / 1000,
      attempts: step.attempts,
      error: step.error,
      startedAt: iso(step.startedAt),
      finishedAt: iso(step.finishedAt),
    })),
    report: run.summary,
  };
}

export async function readSyncProgress(tx: Executor, locationId: string, now: Date, runLimit = 5): Promise<SyncProgressView> {
  const runs = await listRunsOfLocation(tx, { kind: SETUP_SYNC_KIND, locationId, limit: runLimit });
  const steps = await listRunSteps(tx, runs.map((run) => run.id));
  const views = runs.map((run) => toRunView(run, steps.filter((step) => step.runId === run.id), now));
  return { locationId, current: views[0] ?? null, runs: views };
}

/** Progress of a location's setup syncs, as the caller may see it (another tenant's location: not_found). */
export async function getSyncProgress(deps: { database: Database }, principal: Principal, locationId: string, now: Date): Promise<Result<SyncProgressView, 'not_found'>> {
  if (!canAccessLocation(principal, locationId)) return fail('not_found', 'Location not found');
  const view = await deps.database.tenant(tenantScopeOf(principal), async (tx) => ((await findLocationGhlLink(tx, locationId)) ? readSyncProgress(tx, locationId, now) : undefined));
  return view ? succeed(view) : fail('not_found', 'Location not found');
}

/** Cheap change probe for progress streams: changes whenever a run or step of the location does. */
export async function findSyncProgressVersion(deps: { database: Database }, principal: Principal, locationId: string): Promise<string> {
  return deps.database.tenant(tenantScopeOf(principal), (tx) => findRunsVersion(tx, { kind: SETUP_SYNC_KIND, locationId }));
}

export async function findGhlLocationIdForSync(
  deps: { database: Database },
  principal: Principal,
  locationId: string,
): Promise<Result<{ companyId: string; locationId: string; ghlLocationId: string }, 'not_found' | 'forbidden' | 'not_installed'>> {
  if (!canAccessLocation(principal, locationId)) return fail('not_found', 'Location not found');
  const row = await deps.database.tenant(tenantScopeOf(principal), (tx) => findLocationGhlLink(tx, locationId));
  if (!row) return fail('not_found', 'Location not found');
  if (!isLocationAdmin(principal, locationId)) return fail('forbidden', 'Only location admins may start a sync');
  if (!row.ghlLocationId) return fail('not_installed', 'The location is not linked to a GHL sub-account');
  return succeed({ companyId: row.companyId, locationId, ghlLocationId: row.ghlLocationId });
}
