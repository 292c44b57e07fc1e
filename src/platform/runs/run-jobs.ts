import type { Executor } from '../db/index.js';
import type { IdGenerator } from '../ids/ids.js';
import { enqueueJob, type JobRegistrar } from '../jobs/index.js';
import { abandonUnfinishedRun, executeRun, type RunDefinition, type RunEngineDeps } from './run-engine.js';
import { findOpenRunForUpdate, insertRun, setRunJob } from './runs.repo.js';

/** What enqueueing a run of a kind needs to know (no I/O collaborators, unlike its definition). */
export interface RunKind {
  kind: string;
  /** The job kind (`module.verb-noun`) that executes runs of this kind. */
  jobKind: string;
  /** Prefix of run ids (`sync_…`). */
  idPrefix: string;
  stepNames: readonly string[];
  priority?: number;
  maxAttempts: number;
}

export interface RunTarget {
  companyId: string;
  locationId: string;
  /** Stored as `runs.params`. */
  params: Record<string, unknown>;
  trigger: string;
}

export interface EnqueuedRun {
  runId: string;
  jobId: string;
  /** False when an unfinished run of the kind existed at the location: that run is returned instead. */
  isNew: boolean;
}

/**
 * Creates a run with its steps and the job that executes it, in the caller's transaction (outbox): the
 * run exists exactly when the caller's change committed. One unfinished run per (kind, location): while
 * one is pending or running, it is returned. Runs of one kind and location never execute at once.
 */
export async function enqueueRun(tx: Executor, generateId: IdGenerator, kind: RunKind, target: RunTarget): Promise<EnqueuedRun> {
  const open = await findOpenRunForUpdate(tx, { kind: kind.kind, locationId: target.locationId });
  // The job is enqueued in the transaction that creates the run, so an open run always has one.
  if (open) return { runId: open.id, jobId: open.jobId ?? '', isNew: false };
  const runId = generateId(kind.idPrefix);
  await insertRun(tx, { id: runId, kind: kind.kind, companyId: target.companyId, locationId: target.locationId, params: target.params, trigger: target.trigger, steps: kind.stepNames });
  const job = await enqueueJob(tx, {
    kind: kind.jobKind,
    payload: { runId },
    companyId: target.companyId,
    locationId: target.locationId,
    idempotencyKey: runId,
    orderingKey: `${kind.jobKind}:${target.locationId}`,
    ...(kind.priority !== undefined ? { priority: kind.priority } : {}),
    maxAttempts: kind.maxAttempts,
  });
  await setRunJob(tx, runId, job.id);
  return { runId, jobId: job.id, isNew: true };
}

/**
 * Registers the job that executes runs of a kind: the run's writes are fenced by the job's lease, an
 * interrupted run resumes from its checkpoints on the next attempt, and after the last attempt the
 * run is closed (so it blocks nothing and progress streams end).
 */
export function registerRunJob<TContext, TPrepared>(jobs: JobRegistrar, deps: RunEngineDeps, kind: RunKind, definition: RunDefinition<TContext, TPrepared>): void {
  jobs.register(kind.jobKind, async (job, context) => {
    const runId = job.payload['runId'];
    if (typeof runId !== 'string') throw new Error(`${kind.jobKind} job ${job.id} has no runId`);
    try {
      await executeRun(deps, definition, runId, context.signal, { jobId: job.id, workerId: context.workerId });
    } catch (error) {
      if (job.attempts >= job.maxAttempts && !context.signal.aborted) await abandonUnfinishedRun(deps, definition, runId, error).catch(() => undefined);
      throw error;
    }
  });
}
