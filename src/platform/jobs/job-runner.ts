import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Database } from '../db/index.js';
import { describeError, type Logger } from '../log/index.js';
import { computeBackoffSeconds, GroupCommitter, startPgListener, startPollingLoop, WakeupHub, type PgListener, type PollingLoop } from '../queue/index.js';
import { claimJobs, extendJobLeases, failJob, finishJobs, jobAttemptKey, JOBS_NOTIFY_CHANNEL, releaseExpiredJobLeases, type ClaimedJob, type JobAttempt } from './job-queue.repo.js';

export interface JobContext {
  workerId: string;
  /** Aborted when the runner stops or the lease is lost: long handlers should checkpoint and return. */
  signal: AbortSignal;
}

/**
 * Runs outside any transaction (a job may call slow APIs for minutes). It must be idempotent: after a
 * crash the job runs again. Throwing retries it with backoff; `JobRetryLaterError` sets the delay.
 */
export type JobHandler = (job: ClaimedJob, context: JobContext) => Promise<void>;

/** Where a module registers its job handlers (the runner, or a module face collecting them). */
export interface JobRegistrar {
  register(kind: string, handler: JobHandler): void;
  /** Nudges the runner after jobs were enqueued and committed. */
  wake(): void;
}

export class JobRetryLaterError extends Error {
  constructor(message: string, readonly retryInSeconds: number) {
    super(message);
    this.name = 'JobRetryLaterError';
  }
}

/** A failure no retry can fix (the far side refused the request): the job is dead at once. */
export class JobFailedPermanentlyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JobFailedPermanentlyError';
  }
}

export interface JobRunnerSettings {
  /** How many jobs this process runs at once. */
  concurrency: number;
  leaseSeconds: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  /** Idle wait between claims when no hint arrives. */
  idleMs: number;
}

export interface JobRunnerDeps {
  database: Database;
  logger: Logger;
  settings?: Partial<JobRunnerSettings>;
  workerId?: string;
  random?: () => number;
}

const DEFAULT_SETTINGS: JobRunnerSettings = { concurrency: 4, leaseSeconds: 60, retryBaseSeconds: 5, retryMaxSeconds: 3600, idleMs: 1000 };
const WAKE_TOPIC = 'jobs';

interface RunningJob {
  job: ClaimedJob;
  controller: AbortController;
  /** The handler returned: its finish (or failure) is being written; the lease renewer leaves it alone. */
  isEnding: boolean;
}

/**
 * Claims jobs of the registered kinds (SKIP LOCKED, leased), runs their handlers with bounded
 * concurrency, renews leases while they run, retries failures with exponential backoff and jitter,
 * and marks a job dead after its max attempts. A crashed worker's lease expires and the job reruns.
 *
 * Round trips are shared: jobs that end together are marked done in one statement (group commit),
 * the slots they free are claimed in one round, and one timer renews every running job's lease in
 * one statement. Each write is fenced by the attempt this worker claimed, so a run whose lease was
 * lost neither finishes nor renews the job's next run.
 */
export class JobRunner {
  readonly workerId: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly settings: JobRunnerSettings;
  private readonly hub = new WakeupHub();
  /** By job id and attempt (a job reaped and claimed again by this worker is a second entry). */
  private readonly running = new Map<string, RunningJob>();
  private readonly finisher: GroupCommitter<JobAttempt, boolean>;
  private loop: PollingLoop | undefined;
  private reaper: NodeJS.Timeout | undefined;
  private renewer: NodeJS.Timeout | undefined;
  private isReaping = false;
  private isRenewing = false;
  private slotFreed: (() => void) | undefined;

  constructor(private readonly deps: JobRunnerDeps) {
    this.workerId = deps.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.settings = { ...DEFAULT_SETTINGS, ...deps.settings };
    this.finisher = new GroupCommitter<JobAttempt, boolean>({
      flush: async (jobs) => {
        const finished = await finishJobs(deps.database.db, { workerId: this.workerId, jobs });
        return jobs.map((job) => finished.has(jobAttemptKey(job)));
      },
      maxBatch: 500,
      maxConcurrentFlushes: 2,
      // Never more than the running jobs wait here.
      maxQueued: Number.MAX_SAFE_INTEGER,
    });
  }

  /** Registers the handler of a kind (`module.verb-noun`); one handler per kind. */
  register(kind: string, handler: JobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`a handler for job kind ${kind} is already registered`);
    this.handlers.set(kind, handler);
  }

  get kinds(): string[] {
    return [...this.handlers.keys()];
  }

  /** A hint that jobs may be ready (call after committing an enqueue, or from a LISTEN notification). */
  wake(): void {
    this.hub.notify(WAKE_TOPIC);
  }

  get isStarted(): boolean {
    return this.loop !== undefined;
  }

  start(): void {
    if (this.loop) return;
    const { database, logger } = this.deps;
    this.loop = startPollingLoop({
      runOnce: async () => {
        if (this.settings.concurrency - this.running.size <= 0) {
          await new Promise<void>((resolve) => {
            this.slotFreed = resolve;
          });
          return 1;
        }
        // Jobs finished together free their slots together: one turn of the event loop lets the
        // whole group free them, so they are claimed in one round rather than one round each.
        if (this.running.size > 0) await new Promise((resolve) => setImmediate(resolve));
        const free = this.settings.concurrency - this.running.size;
        if (free <= 0) return 1;
        const claimed = await claimJobs(database.db, { kinds: this.kinds, workerId: this.workerId, limit: free, leaseSeconds: this.settings.leaseSeconds });
        for (const job of claimed) void this.runJob(job);
        return claimed.length;
      },
      waitIdle: () => this.hub.wait(WAKE_TOPIC, this.settings.idleMs),
      onError: (error) => logger.error({ err: error }, 'job claim round failed'),
      errorDelayMs: Math.min(2000, this.settings.idleMs * 2),
    });
    const reaperIntervalMs = Math.max(250, (this.settings.leaseSeconds * 1000) / 4);
    this.reaper = setInterval(() => void this.reapExpiredLeases(), reaperIntervalMs);
    this.reaper.unref();
    this.renewer = setInterval(() => void this.renewLeases(), Math.max(100, (this.settings.leaseSeconds * 1000) / 3));
    this.renewer.unref();
  }

  /** Stops claiming, aborts running handlers' signals and waits for them to return. */
  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.loop = undefined;
    clearInterval(this.reaper);
    const stopping = loop.stop();
    this.hub.notify(WAKE_TOPIC);
    this.slotFreed?.();
    for (const { controller } of this.running.values()) controller.abort(new Error('job runner stopping'));
    await stopping;
    while (this.running.size > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    clearInterval(this.renewer);
  }

  /**
   * One lease renewal pass for every running job (one statement); a job whose lease was lost
   * (reaped while this worker stalled) has its signal aborted.
   */
  async renewLeases(): Promise<void> {
    if (this.isRenewing) return;
    const runs = [...this.running.values()].filter((run) => !run.isEnding);
    if (runs.length === 0) return;
    this.isRenewing = true;
    try {
      const held = await extendJobLeases(this.deps.database.db, { workerId: this.workerId, jobs: runs.map(({ job }) => ({ id: job.id, attempts: job.attempts })), leaseSeconds: this.settings.leaseSeconds });
      for (const run of runs) if (!held.has(jobAttemptKey(run.job)) && !run.isEnding) run.controller.abort(new Error('job lease lost'));
    } catch (error) {
      this.deps.logger.warn({ jobs: runs.length, err: error }, 'could not renew job leases');
    } finally {
      this.isRenewing = false;
    }
  }

  /** One reaper pass (also exposed so a test or an operator can release crashed jobs at once). */
  async reapExpiredLeases(): Promise<number> {
    if (this.isReaping) return 0;
    this.isReaping = true;
    try {
      const released = await releaseExpiredJobLeases(this.deps.database.db);
      if (released > 0) {
        this.deps.logger.warn({ released }, 'released jobs with expired leases');
        this.wake();
      }
      return released;
    } catch (error) {
      this.deps.logger.error({ err: error }, 'job lease reaper failed');
      return 0;
    } finally {
      this.isReaping = false;
    }
  }

  private async runJob(job: ClaimedJob): Promise<void> {
    const { database, logger } = this.deps;
    const key = jobAttemptKey(job);
    const run: RunningJob = { job, controller: new AbortController(), isEnding: false };
    this.running.set(key, run);
    try {
      const handler = this.handlers.get(job.kind);
      if (!handler) throw new Error(`no handler registered for job kind ${job.kind}`);
      await handler(job, { workerId: this.workerId, signal: run.controller.signal });
      run.isEnding = true;
      const isFinished = await this.finisher.submit({ id: job.id, attempts: job.attempts });
      if (!isFinished) logger.warn({ jobId: job.id, kind: job.kind }, 'job finished after its lease was lost');
    } catch (error) {
      run.isEnding = true;
      const isDead = job.attempts >= job.maxAttempts || error instanceof JobFailedPermanentlyError;
      const random = this.deps.random ?? Math.random;
      const retryInSeconds = isDead
        ? 0
        : error instanceof JobRetryLaterError
          ? error.retryInSeconds
          : computeBackoffSeconds(job.attempts, this.settings.retryBaseSeconds, this.settings.retryMaxSeconds, random);
      logger.warn({ jobId: job.id, kind: job.kind, attempt: job.attempts, isDead, err: error }, 'job failed');
      try {
        await failJob(database.db, { id: job.id, workerId: this.workerId, isDead, retryInSeconds, error: describeError(error) });
      } catch (markError) {
        // The lease expires and the reaper retries the job; nothing is lost.
        logger.error({ jobId: job.id, err: markError }, 'could not record a job failure');
      }
    } finally {
      this.running.delete(key);
      const freed = this.slotFreed;
      this.slotFreed = undefined;
      freed?.();
      this.wake();
    }
  }
}

/**
 * PostgreSQL: wake the runner when any process commits an enqueue (NOTIFY on the jobs channel). Without
 * it (PGlite, or the listener down) the runner still finds jobs on its idle timer.
 */
export function listenForJobs(runner: JobRunner, options: { url: string; onError?: (error: unknown) => void }): PgListener {
  return startPgListener({ url: options.url, channel: JOBS_NOTIFY_CHANNEL, onNotify: () => runner.wake(), ...(options.onError ? { onError: options.onError } : {}) });
}
