import type { Database, Tx } from '../db/index.js';
import type { JobLease } from '../jobs/index.js';
import { describeError, type Logger } from '../log/index.js';
import {
  abandonRun,
  checkpointStep,
  findRun,
  finishRun,
  finishStep,
  isRunFinished,
  listRunSteps,
  markRunReady,
  markRunStarted,
  markStepStarted,
  type RunCursor,
  type RunRow,
  type RunStepRow,
} from './runs.repo.js';

export class RunInterruptedError extends Error {
  constructor(runId: string) {
    super(`run ${runId} was interrupted; it resumes from its checkpoints`);
    this.name = 'RunInterruptedError';
  }
}

export class RunNotFoundError extends Error {
  constructor(runId: string) {
    super(`run ${runId} does not exist`);
    this.name = 'RunNotFoundError';
  }
}

/** An expected step failure whose message is fit to show as is (e.g. "GET /x answered 401 …"). */
export class RunStepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunStepError';
  }
}

/** A run that has started: its start time is known. */
export type StartedRun = RunRow & { startedAt: Date };

/** What a step commits with its page: the new checkpoint and what the page adds to the step's figures. */
export interface StepPage {
  cursor: RunCursor;
  records?: number;
  counts?: Readonly<Record<string, number>>;
  highWaterAt?: Date | null;
}

/** What the engine gives a step; a definition builds its own context on it. */
export interface StepRun {
  run: StartedRun;
  /** The step as this attempt started it: params fixed on the first start, the last committed cursor. */
  step: RunStepRow;
  signal: AbortSignal;
  /** Throws RunInterruptedError once the run was stopped (lease lost, worker stopping). */
  throwIfStopped(): void;
  /** One request to the far side, counted for the step (committed with the next page or the step's end). */
  countRequest(): void;
  /** The far side answered a request with "rate limited". */
  countRateLimited(): void;
  /**
   * Applies a page and moves the checkpoint in one transaction, fenced by the job's lease: when the
   * lease was lost the page rolls back with the checkpoint and the run stops.
   */
  commit<T extends StepPage>(work: (tx: Tx) => Promise<T>): Promise<T>;
}

export interface RunStepDefinition<TContext> {
  name: string;
  /** Steps that must be done first; a step whose dependency failed or was skipped is skipped. */
  dependsOn?: readonly string[];
  /** Required steps run first (alone); when all are done the run is ready (`ready_at`). */
  isRequired?: boolean;
  run(context: TContext): Promise<void>;
}

/** Fixed on a step's first start (`params`, initial high-water mark), or why the step cannot run at all. */
export type StepStart = { params?: Record<string, unknown>; highWaterAt?: Date } | { error: string };

export interface RunDefinition<TContext, TPrepared = undefined> {
  /** The `runs.kind` it executes. */
  kind: string;
  /** For logs and messages: "setup sync". */
  label: string;
  /** In definition order: the order ready steps start in. */
  steps: readonly RunStepDefinition<TContext>[];
  /** Steps running at once (default: every ready step). */
  maxParallelSteps?: number;
  /** Read once per attempt, before any step starts. */
  prepare?(run: StartedRun): Promise<TPrepared>;
  startStep?(step: RunStepDefinition<TContext>, row: RunStepRow, prepared: TPrepared): StepStart;
  createContext(step: StepRun, prepared: TPrepared): TContext;
  /** The report of a run whose steps all ended. */
  summarize(run: StartedRun, steps: readonly RunStepRow[]): { status: 'done' | 'partial'; summary: Record<string, unknown> };
  /** The job gave up on the run. */
  abandon(run: RunRow, steps: readonly RunStepRow[], reason: string): { status: 'partial' | 'failed'; summary: Record<string, unknown> | null };
  /** Something of the run moved (progress streams). */
  onChange?(run: RunRow): void;
  onFinished?(run: RunRow, steps: readonly RunStepRow[]): void;
}

export interface RunEngineDeps {
  database: Database;
  logger: Logger;
}

type Outcome = 'done' | 'failed' | 'skipped';

/** Messages are about records, never credentials; cap them anyway and drop bearer-looking strings. */
export function describeStepFailure(error: unknown): string {
  const text = error instanceof RunStepError ? error.message : describeError(error);
  return text.replace(/bearer\s+\S+/gi, 'Bearer [redacted]').slice(0, 500);
}

/**
 * Runs (or resumes) one run: steps start in definition order as soon as their dependencies are done
 * (at most `maxParallelSteps` at once), required steps first and alone. Done steps of an earlier
 * attempt are kept; unfinished ones continue from their checkpoint; failed and skipped ones are tried
 * again. A failed step fails only itself and the steps that depend on it. With a job lease every
 * write is fenced by it: a stalled worker whose job was re-claimed stops at its next write. A
 * finished run is returned as it is.
 */
export async function executeRun<TContext, TPrepared>(
  deps: RunEngineDeps,
  definition: RunDefinition<TContext, TPrepared>,
  runId: string,
  signal: AbortSignal,
  lease?: JobLease,
): Promise<RunRow> {
  const { database, logger } = deps;
  const found = await findRun(database.db, runId);
  if (!found || found.kind !== definition.kind) throw new RunNotFoundError(runId);
  if (isRunFinished(found.status)) return found;
  const started = await markRunStarted(database.db, runId, lease);
  if (!started) throw new RunInterruptedError(runId);
  const run: StartedRun = { ...started, startedAt: started.startedAt ?? new Date() };
  const notify = () => definition.onChange?.(run);
  notify();
  const prepared = (definition.prepare ? await definition.prepare(run) : undefined) as TPrepared;

  const rows = new Map((await listRunSteps(database.db, [runId])).map((row) => [row.step, row]));
  const steps = definition.steps.filter((step) => rows.has(step.name));
  const outcomes = new Map<string, Outcome>();
  for (const step of steps) if (rows.get(step.name)?.status === 'done') outcomes.set(step.name, 'done');
  const requiredSteps = steps.filter((step) => step.isRequired === true);
  const inFlight = new Map<string, Promise<void>>();
  const maxParallel = definition.maxParallelSteps ?? Number.POSITIVE_INFINITY;
  let isMarkedReady = run.readyAt !== null;
  const throwIfStopped = () => {
    if (signal.aborted) throw new RunInterruptedError(runId);
  };
  const ensureHeld = (isHeld: unknown) => {
    if (!isHeld) throw new RunInterruptedError(runId);
  };

  const executeStep = async (step: RunStepDefinition<TContext>, row: RunStepRow): Promise<void> => {
    const start = definition.startStep?.(step, row, prepared) ?? {};
    if ('error' in start) {
      ensureHeld(await finishStep(database.db, { runId, step: step.name, status: 'failed', error: start.error, addRequests: 0, addRateLimited: 0, addDurationMs: 0, lease }));
      outcomes.set(step.name, 'failed');
      notify();
      return;
    }
    const startedStep = await markStepStarted(database.db, { runId, step: step.name, params: start.params, highWaterAt: start.highWaterAt, lease });
    if (!startedStep) throw new RunInterruptedError(runId);
    notify();
    let requests = 0;
    let rateLimited = 0;
    let segmentStartedAt = performance.now();
    const stepRun: StepRun = {
      run,
      step: startedStep,
      signal,
      throwIfStopped,
      countRequest() {
        requests += 1;
      },
      countRateLimited() {
        rateLimited += 1;
      },
      async commit(work) {
        throwIfStopped();
        let taken = { requests: 0, rateLimited: 0, at: segmentStartedAt };
        const page = await database.system(async (tx) => {
          const result = await work(tx);
          taken = { requests, rateLimited, at: performance.now() };
          const isHeld = await checkpointStep(tx, {
            runId,
            step: step.name,
            cursor: result.cursor,
            addRecords: result.records ?? 0,
            addRequests: taken.requests,
            addRateLimited: taken.rateLimited,
            addDurationMs: taken.at - segmentStartedAt,
            addCounts: result.counts,
            highWaterAt: result.highWaterAt,
            lease,
          });
          // Throwing rolls the page back with the checkpoint: the worker that holds the job now redoes it.
          ensureHeld(isHeld);
          return result;
        });
        // Requests made while the page committed (parallel fetches) stay counted for the next one.
        requests -= taken.requests;
        rateLimited -= taken.rateLimited;
        segmentStartedAt = taken.at;
        notify();
        return page;
      },
    };
    let outcome: Outcome = 'done';
    let error: string | null = null;
    try {
      await step.run(definition.createContext(stepRun, prepared));
    } catch (cause) {
      // Interrupted: the step stays running with its checkpoint; the next attempt resumes it.
      if (signal.aborted || cause instanceof RunInterruptedError) throw new RunInterruptedError(runId);
      outcome = 'failed';
      error = describeStepFailure(cause);
      logger.warn({ runId, step: step.name, err: cause }, `${definition.label} step failed`);
    }
    ensureHeld(await finishStep(database.db, { runId, step: step.name, status: outcome, error, addRequests: requests, addRateLimited: rateLimited, addDurationMs: performance.now() - segmentStartedAt, lease }));
    outcomes.set(step.name, outcome);
    notify();
  };

  const skipStep = async (step: RunStepDefinition<TContext>, reason: string) => {
    ensureHeld(await finishStep(database.db, { runId, step: step.name, status: 'skipped', error: reason, addRequests: 0, addRateLimited: 0, addDurationMs: 0, lease }));
    outcomes.set(step.name, 'skipped');
    notify();
  };

  let interruption: unknown;
  for (;;) {
    if (!isMarkedReady && requiredSteps.length > 0 && requiredSteps.every((step) => outcomes.get(step.name) === 'done')) {
      ensureHeld(await markRunReady(database.db, runId, lease));
      isMarkedReady = true;
      notify();
    }
    const areRequiredSettled = requiredSteps.every((step) => outcomes.has(step.name));
    let hasStarted = false;
    for (const step of steps) {
      if (outcomes.has(step.name) || inFlight.has(step.name) || interruption !== undefined || signal.aborted) continue;
      const dependsOn = (step.dependsOn ?? []).filter((name) => rows.has(name));
      const blocked = dependsOn.filter((name) => outcomes.has(name) && outcomes.get(name) !== 'done');
      if (blocked.length > 0) {
        await skipStep(step, `skipped: ${blocked.map((name) => `${name} ${outcomes.get(name) ?? ''}`.trim()).join(', ')}`);
        hasStarted = true;
        continue;
      }
      if (!dependsOn.every((name) => outcomes.get(name) === 'done')) continue;
      // The required set goes first, alone, so it has the whole rate budget.
      if (step.isRequired !== true && !areRequiredSettled) continue;
      if (inFlight.size >= maxParallel) break;
      const promise = executeStep(step, rows.get(step.name) as RunStepRow)
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
  if (interruption !== undefined || signal.aborted) throw interruption ?? new RunInterruptedError(runId);

  const finalSteps = await listRunSteps(database.db, [runId]);
  const current = (await findRun(database.db, runId)) ?? run;
  const { status, summary } = definition.summarize({ ...current, startedAt: current.startedAt ?? run.startedAt }, finalSteps);
  const finished = await finishRun(database.db, { runId, status, summary, lease });
  if (!finished) throw new RunInterruptedError(runId);
  definition.onChange?.(finished);
  definition.onFinished?.(finished, finalSteps);
  return finished;
}

/** The job gave up after its last attempt: an unfinished run ends, so it blocks nothing and shows why. */
export async function abandonUnfinishedRun<TContext, TPrepared>(deps: RunEngineDeps, definition: RunDefinition<TContext, TPrepared>, runId: string, cause: unknown): Promise<void> {
  const run = await findRun(deps.database.db, runId);
  if (!run || isRunFinished(run.status)) return;
  const reason = `${definition.label} gave up after its last attempt: ${describeError(cause)}`.slice(0, 500);
  const steps = await listRunSteps(deps.database.db, [runId]);
  const { status, summary } = definition.abandon(run, steps, reason);
  if (await abandonRun(deps.database.db, { runId, status, summary, error: reason })) definition.onChange?.(run);
}
