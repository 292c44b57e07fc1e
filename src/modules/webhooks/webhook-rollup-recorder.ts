import type { Clock } from '../../platform/clock/clock.js';
import type { Database } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log/index.js';
import { addLatencyBuckets, emptyLatencyBuckets, latencyBucketIndex } from './webhook-rollup-histogram.js';
import { ALL_TENANTS_KEY, addRollupDeltas, type RollupDelta } from './webhook-rollups.repo.js';
import { WEBHOOK_QUEUES } from './webhook-routing.js';

/** How an event left a worker: finished (done/skipped), or a failed attempt (retried later, or dead). */
export type RollupOutcome = 'done' | 'skipped' | 'failed' | 'dead';

export interface FinishedWebhook {
  queue: string;
  /** The event's fairness key: GHL location id, else GHL company id, else ''. */
  tenantKey: string;
  outcome: RollupOutcome;
  receivedAt: Date;
  /** Replayed events count as finished but not in latency or SLA (their receipt is long past). */
  isReplay: boolean;
}

export interface RollupRecorderOptions {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** How often counters are written (one statement per flush). */
  flushIntervalMs: number;
  /** Distinct rows kept in memory when the database refuses flushes; beyond it the oldest are dropped (and logged). */
  maxPendingRows?: number;
}

const MINUTE_MS = 60_000;
const slaSecondsOf = new Map<string, number>(WEBHOOK_QUEUES.map((queue) => [queue.name, queue.slaSeconds]));

/**
 * Counts webhooks in memory per (minute, queue, tenant) and adds them to webhook_rollups in one
 * statement every `flushIntervalMs`, so neither ingest nor the workers pay an extra statement per
 * event. Each process (API, workers) keeps its own recorder; their flushes add up in the table. A
 * process that dies loses at most one interval of counters, never an event.
 */
export class WebhookRollupRecorder {
  private pending = new Map<string, RollupDelta>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly maxPendingRows: number;

  constructor(private readonly options: RollupRecorderOptions) {
    this.maxPendingRows = options.maxPendingRows ?? 50_000;
  }

  recordReceived(queue: string, tenantKey: string): void {
    for (const delta of this.rowsFor(this.options.clock.now(), queue, tenantKey)) delta.received += 1;
  }

  recordFinished(event: FinishedWebhook): void {
    const now = this.options.clock.now();
    const isMeasured = (event.outcome === 'done' || event.outcome === 'skipped') && !event.isReplay;
    const latencyMs = Math.max(0, now.getTime() - event.receivedAt.getTime());
    const isWithinSla = latencyMs <= (slaSecondsOf.get(event.queue) ?? 120) * 1000;
    for (const delta of this.rowsFor(now, event.queue, event.tenantKey)) {
      delta[event.outcome] += 1;
      if (!isMeasured) continue;
      delta.latencyCount += 1;
      delta.latencySumMs += latencyMs;
      if (isWithinSla) delta.withinSla += 1;
      const buckets = delta.latencyBuckets as number[];
      const index = latencyBucketIndex(latencyMs);
      buckets[index] = (buckets[index] ?? 0) + 1;
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Writes what was counted so far; on failure the counters are kept for the next flush. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    this.flushing = (async () => {
      try {
        await addRollupDeltas(this.options.database.db, [...batch.values()]);
      } catch (error) {
        this.options.logger.warn({ err: error, rows: batch.size }, 'could not write webhook rollups; keeping them for the next flush');
        this.mergeBack(batch);
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }

  /** The tenant's row and the all-tenants row of this minute and queue. */
  private rowsFor(now: Date, queue: string, tenantKey: string): RollupDelta[] {
    const bucketAt = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS);
    return [this.rowOf(bucketAt, queue, tenantKey), this.rowOf(bucketAt, queue, ALL_TENANTS_KEY)];
  }

  private rowOf(bucketAt: Date, queue: string, tenantKey: string): RollupDelta {
    const key = `${bucketAt.getTime()}\u0000${queue}\u0000${tenantKey}`;
    let delta = this.pending.get(key);
    if (!delta) {
      delta = { bucketAt, queue, tenantKey, received: 0, done: 0, skipped: 0, failed: 0, dead: 0, latencyCount: 0, latencySumMs: 0, withinSla: 0, latencyBuckets: emptyLatencyBuckets() };
      this.pending.set(key, delta);
    }
    return delta;
  }

  private mergeBack(batch: Map<string, RollupDelta>): void {
    for (const [key, delta] of batch) {
      const current = this.pending.get(key);
      if (!current) {
        this.pending.set(key, delta);
        continue;
      }
      current.received += delta.received;
      current.done += delta.done;
      current.skipped += delta.skipped;
      current.failed += delta.failed;
      current.dead += delta.dead;
      current.latencyCount += delta.latencyCount;
      current.latencySumMs += delta.latencySumMs;
      current.withinSla += delta.withinSla;
      addLatencyBuckets(current.latencyBuckets as number[], delta.latencyBuckets);
    }
    let excess = this.pending.size - this.maxPendingRows;
    if (excess <= 0) return;
    this.options.logger.error({ dropped: excess }, 'webhook rollup counters dropped: the database refused flushes for too long');
    for (const key of this.pending.keys()) {
      if (excess <= 0) break;
      this.pending.delete(key);
      excess -= 1;
    }
  }
}
