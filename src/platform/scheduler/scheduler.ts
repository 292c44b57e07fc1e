import { hostname } from 'node:os';
import { Cron } from 'croner';
import type { Clock } from '../clock/clock.js';
import type { Database } from '../db/index.js';
import type { Logger } from '../log/index.js';
import { claimScheduledSlot, deleteScheduledRunsBefore, finishScheduledSlot, listScheduledRuns } from './scheduler.repo.js';

export interface ScheduledJob {
  /** `module.verb-noun`, e.g. `webhooks.prune-events`. */
  name: string;
  cron: string;
  run: () => Promise<Record<string, unknown> | void>;
}

export interface SchedulerOptions {
  database: Database;
  logger: Logger;
  clock: Clock;
  instanceId?: string;
  /** Runs older than this are deleted from scheduled_runs. */
  historyDays?: number;
}

export interface JobRunRecord {
  jobName: string;
  slotAt: Date;
  status: string;
  claimedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  error: string | null;
  summary: string | null;
}

/**
 * Cron jobs that run once per slot across all instances: at each slot every instance tries to insert
 * the (job, slot) row and only the one whose insert succeeds runs it. A slot missed while every
 * instance was down is not replayed (jobs here are periodic repairs, not one-off tasks).
 */
export class Scheduler {
  private readonly crons: Cron[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private readonly instanceId: string;
  private isStopped = false;

  constructor(private readonly options: SchedulerOptions) {
    this.instanceId = options.instanceId ?? `${hostname()}:${process.pid}`;
  }

  start(jobs: ScheduledJob[]): void {
    for (const job of jobs) {
      const cron = new Cron(job.cron, { protect: true, timezone: 'UTC' }, () => {
        const slotAt = cron.currentRun() ?? this.options.clock.now();
        const work = this.runSlot(job, floorToSecond(slotAt)).finally(() => this.running.delete(work));
        this.running.add(work);
      });
      this.crons.push(cron);
    }
  }

  /** Claims and runs one slot now if no instance has; returns whether this instance ran it. */
  async runSlot(job: ScheduledJob, slotAt: Date): Promise<boolean> {
    if (this.isStopped) return false;
    const startedAt = this.options.clock.now();
    const isClaimed = await this.options.database.system((tx) => claimScheduledSlot(tx, { jobName: job.name, slotAt, claimedBy: this.instanceId, startedAt }));
    if (!isClaimed) return false;
    let status = 'done';
    let error: string | null = null;
    let summary: string | null = null;
    try {
      const result = await job.run();
      summary = result ? JSON.stringify(result).slice(0, 2000) : null;
      this.options.logger.info({ job: job.name, slotAt, summary: result }, 'scheduled job finished');
    } catch (cause) {
      status = 'failed';
      error = cause instanceof Error ? cause.message.slice(0, 2000) : String(cause);
      this.options.logger.error({ job: job.name, slotAt, err: cause }, 'scheduled job failed');
    }
    await this.options.database.system((tx) => finishScheduledSlot(tx, { jobName: job.name, slotAt, status, error, summary, finishedAt: this.options.clock.now() }));
    return true;
  }

  async listRecentRuns(limit = 50): Promise<JobRunRecord[]> {
    return this.options.database.system((tx) => listScheduledRuns(tx, limit));
  }

  async pruneHistory(): Promise<number> {
    const cutoff = new Date(this.options.clock.now().getTime() - (this.options.historyDays ?? 14) * 86_400_000);
    return this.options.database.system((tx) => deleteScheduledRunsBefore(tx, cutoff));
  }

  /** Stops firing new slots and waits for the ones running. */
  async stop(): Promise<void> {
    this.isStopped = true;
    for (const cron of this.crons) cron.stop();
    await Promise.allSettled([...this.running]);
  }
}

function floorToSecond(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}
