import type { Clock } from '../../../platform/clock/clock.js';
import type { Database } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import type { JobLease } from '../../../platform/jobs/index.js';
import { describeError, type Logger } from '../../../platform/log/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import type { CrmApplier } from './crm-applier.js';
import { gradeInstall, type InstallReport, type StepFigures } from './grade-setup-sync.js';
import { SETUP_SYNC_STEP_DEFINITIONS, SyncStepError, type SetupSyncSettings, type SetupSyncStep, type StepContext } from './setup-sync-steps.js';
import type { SyncProgressHub } from './sync-progress-hub.js';
import {
  checkpointSyncStep,
  findSyncRun,
  finishSyncRun,
  finishSyncStep,
  listSyncSteps,
  markSyncRunStarted,
  markSyncRunUsable,
  markSyncStepStarted,
  type SyncStepRow,
} from './sync-runs.repo.js';

export interface SetupSyncDeps {
  database: Database;
  client: GhlGateway;
  crm: CrmApplier;
  settings: SetupSyncSettings;
  generateId: IdGenerator;
  clock: Clock;
  logger: Logger;
  hub: SyncProgressHub;
}

export class SetupSyncInterruptedError extends Error {
  constructor(runId: string) {
    super(`setup sync ${runId} was interrupted; it resumes from its checkpoints`);
    this.name = 'SetupSyncInterruptedError';
  }
}

export class SetupSyncRunNotFoundError extends Error {
  constructor(runId: string) {
    super(`setup sync run ${runId} does not exist`);
    this.name = 'SetupSyncRunNotFoundError';
  }
}

type Outcome = 'done' | 'failed' | 'skipped';

const MIN_CHUNK = 50;

/** Up to `parts` chunks of at least MIN_CHUNK items; items of one group stay together. */
function splitIntoChunks<T>(items: readonly T[], parts: number, groupOf?: (item: T) => string): T[][] {
  if (parts <= 1 || items.length < MIN_CHUNK * 2) return [[...items]];
  const count = Math.min(parts, Math.floor(items.length / MIN_CHUNK));
  const chunks: T[][] = Array.from({ length: count }, () => []);
  items.forEach((item, index) => {
    const slot = groupOf ? hashOf(groupOf(item)) % count : index % count;
    (chunks[slot] as T[]).push(item);
  });
  return chunks.filter((chunk) => chunk.length > 0);
}

function hashOf(text: string): number {
  let hash = 0;
  for (let index = 0; index < text.length; index += 1) hash = (hash * 31 + text.charCodeAt(index)) >>> 0;
  return hash;
}

/** GHL's messages are about records, never credentials; cap them anyway and drop bearer-looking strings. */
function describeFailure(error: unknown): string {
  const text = error instanceof SyncStepError ? error.message : describeError(error);
  return text.replace(/bearer\s+\S+/gi, 'Bearer [redacted]').slice(0, 500);
}

/**
 * Runs (or resumes) one setup sync: steps start as soon as their dependencies are done, the steps
 * that make the location usable first and everything else in parallel after them. Finished steps of
 * an earlier attempt are kept; unfinished ones continue from their checkpoint; failed and skipped
 * ones are tried again. A failed step fails only itself and the steps that depend on it. With a job
 * lease every write is fenced by it: a stalled worker whose job was re-claimed stops at its next write.
 */
export async function runSetupSync(deps: SetupSyncDeps, runId: string, signal: AbortSignal, lease?: JobLease): Promise<InstallReport> {
  const { database, logger } = deps;
  const run = await findSyncRun(database.db, runId);
  if (!run) throw new SetupSyncRunNotFoundError(runId);
  await markSyncRunStarted(database.db, runId);
  const started = await findSyncRun(database.db, runId);
  const startedAt = started?.startedAt ?? deps.clock.now();
  const target = { id: run.id, companyId: run.companyId, locationId: run.locationId, ghlLocationId: run.ghlLocationId, startedAt };
  const notify = () => deps.hub.notify(run.locationId);
  notify();

  const rows = new Map((await listSyncSteps(database.db, [runId])).map((row) => [row.step, row]));
  const outcomes = new Map<string, Outcome>();
  for (const step of SETUP_SYNC_STEP_DEFINITIONS) if (rows.get(step.name)?.status === 'done') outcomes.set(step.name, 'done');
  const requiredSteps = SETUP_SYNC_STEP_DEFINITIONS.filter((step) => step.isRequired);
  const inFlight = new Map<string, Promise<void>>();
  let isMarkedUsable = run.usableAt !== null;

  const executeStep = async (step: SetupSyncStep, row: SyncStepRow | undefined): Promise<void> => {
    if (!(await markSyncStepStarted(database.db, runId, step.name, lease))) throw new SetupSyncInterruptedError(runId);
    notify();
    let requests = 0;
    let rateLimited = 0;
    let segmentStartedAt = performance.now();
    const throwIfStopped = () => {
      if (signal.aborted) throw new SetupSyncInterruptedError(runId);
    };
    const context: StepContext = {
      run: target,
      client: deps.client,
      database,
      crm: deps.crm,
      settings: deps.settings,
      generateId: deps.generateId,
      now: () => deps.clock.now(),
      signal,
      cursor: row?.cursor ?? null,
      async fetch(label, call) {
        throwIfStopped();
        requests += 1;
        const result = await call();
        if (!result.ok) {
          if (result.error.code === 'rate_limited') rateLimited += 1;
          throw new SyncStepError(`${label} answered ${result.error.status} ${result.error.code}: ${result.error.message}`);
        }
        return result.data;
      },
      async commit(work) {
        throwIfStopped();
        await database.system(async (tx) => {
          const { records, cursor } = await work(tx);
          const isHeld = await checkpointSyncStep(tx, { runId, step: step.name, cursor, addRecords: records, addRequests: requests, addRateLimited: rateLimited, addDurationMs: performance.now() - segmentStartedAt, lease });
          // Throwing rolls the page back with the checkpoint: the worker that holds the job now redoes it.
          if (!isHeld) throw new SetupSyncInterruptedError(runId);
        });
        requests = 0;
        rateLimited = 0;
        segmentStartedAt = performance.now();
        notify();
      },
      async commitInChunks(items, apply, cursor, groupOf) {
        const chunks = splitIntoChunks(items, database.engine === 'postgres' ? deps.settings.applyConcurrency : 1, groupOf);
        if (chunks.length > 1) {
          throwIfStopped();
          await Promise.all(chunks.map((chunk) => database.system((tx) => apply(tx, chunk))));
          await context.commit(async () => ({ records: items.length, cursor }));
          return;
        }
        await context.commit(async (tx) => {
          await apply(tx, items);
          return { records: items.length, cursor };
        });
      },
    };
    let outcome: Outcome = 'done';
    let error: string | null = null;
    try {
      await step.run(context);
    } catch (cause) {
      // Interrupted: leave the step running with its checkpoint; the next attempt resumes it.
      if (signal.aborted) throw new SetupSyncInterruptedError(runId);
      outcome = 'failed';
      error = describeFailure(cause);
      logger.warn({ runId, step: step.name, err: cause }, 'setup sync step failed');
    }
    const isHeld = await finishSyncStep(database.db, { runId, step: step.name, status: outcome, error, addRequests: requests, addRateLimited: rateLimited, addDurationMs: performance.now() - segmentStartedAt, lease });
    if (!isHeld) throw new SetupSyncInterruptedError(runId);
    outcomes.set(step.name, outcome);
    notify();
  };

  const skipStep = async (step: SetupSyncStep, reason: string) => {
    if (!(await finishSyncStep(database.db, { runId, step: step.name, status: 'skipped', error: reason, addRequests: 0, addRateLimited: 0, addDurationMs: 0, lease }))) throw new SetupSyncInterruptedError(runId);
    outcomes.set(step.name, 'skipped');
    notify();
  };

  let interruption: unknown;
  for (;;) {
    if (!isMarkedUsable && requiredSteps.every((step) => outcomes.get(step.name) === 'done')) {
      await markSyncRunUsable(database.db, runId);
      isMarkedUsable = true;
      notify();
    }
    const areRequiredSettled = requiredSteps.every((step) => outcomes.has(step.name));
    let hasStarted = false;
    for (const step of SETUP_SYNC_STEP_DEFINITIONS) {
      if (outcomes.has(step.name) || inFlight.has(step.name) || interruption !== undefined || signal.aborted) continue;
      const blocked = step.dependsOn.filter((name) => outcomes.has(name) && outcomes.get(name) !== 'done');
      if (blocked.length > 0) {
        await skipStep(step, `skipped: ${blocked.map((name) => `${name} ${outcomes.get(name) ?? ''}`.trim()).join(', ')}`);
        hasStarted = true;
        continue;
      }
      if (!step.dependsOn.every((name) => outcomes.get(name) === 'done')) continue;
      // The usable set goes first, alone, so it has the whole rate budget.
      if (!step.isRequired && !areRequiredSettled) continue;
      const promise = executeStep(step, rows.get(step.name))
        .catch((error: unknown) => {
          interruption ??= error;
        })
        .finally(() => inFlight.delete(step.name));
      inFlight.set(step.name, promise);
      hasStarted = true;
    }
    if (inFlight.size === 0) {
      if (hasStarted) continue;
      break;
    }
    await Promise.race(inFlight.values());
  }
  if (interruption !== undefined || signal.aborted) throw interruption ?? new SetupSyncInterruptedError(runId);

  const finishedAt = deps.clock.now();
  const [current] = await Promise.all([findSyncRun(database.db, runId)]);
  const steps = await listSyncSteps(database.db, [runId]);
  const definitions = new Map(SETUP_SYNC_STEP_DEFINITIONS.map((step) => [step.name as string, step]));
  const figures: StepFigures[] = steps.map((row) => ({
    name: row.step,
    status: row.status,
    isRequired: definitions.get(row.step)?.isRequired ?? false,
    records: row.recordCount,
    requests: row.requestCount,
    rateLimited: row.rateLimitedCount,
    seconds: row.durationMs / 1000,
    error: row.error,
  }));
  const usableAt = current?.usableAt ?? null;
  const report = gradeInstall({
    steps: figures,
    totalSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
    usableSeconds: usableAt ? (usableAt.getTime() - startedAt.getTime()) / 1000 : null,
  });
  const status = figures.every((step) => step.status === 'done') ? 'done' : 'partial';
  if (!(await finishSyncRun(database.db, { runId, status, grade: report.grade, report: report as unknown as Record<string, unknown>, lease }))) throw new SetupSyncInterruptedError(runId);
  notify();
  logger.info({ runId, locationId: run.locationId, grade: report.grade, totalSeconds: report.totalSeconds, slowestStep: report.slowestStep }, 'setup sync finished');
  return report;
}
