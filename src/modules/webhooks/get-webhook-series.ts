import type { Clock } from '../../platform/clock/clock.js';
import type { Database } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { succeed, type Result } from '../../platform/result/index.js';
import { scopeOf } from './manage-webhook-events.js';
import { EMPTY_ROLLUP_AGGREGATE as EMPTY, toWebhookStats } from './webhook-rollup-stats.js';
import { readRollupAggregates, type RollupAggregate } from './webhook-rollups.repo.js';
import { SERIES_WINDOWS, type SeriesWindow, type WebhookOverviewView, type WebhookSeriesView } from './webhook-rollups.schemas.js';
import { readQueueBacklog } from './webhook-ops.repo.js';
import { WEBHOOK_QUEUES, type WebhookQueueName } from './webhook-routing.js';

export interface WebhookSeriesDeps {
  database: Database;
  clock: Clock;
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

function sumAggregates(rows: readonly RollupAggregate[]): Omit<RollupAggregate, 'at' | 'queue'> {
  const total = { ...EMPTY, latencyBuckets: [] as number[] };
  for (const row of rows) {
    total.received += row.received;
    total.done += row.done;
    total.skipped += row.skipped;
    total.failed += row.failed;
    total.dead += row.dead;
    total.latencyCount += row.latencyCount;
    total.latencySumMs += row.latencySumMs;
    total.withinSla += row.withinSla;
    row.latencyBuckets.forEach((count, index) => (total.latencyBuckets[index] = (total.latencyBuckets[index] ?? 0) + count));
  }
  return total;
}

/**
 * Time series of the webhook pipeline from webhook_rollups (never webhook_events): one point per
 * bucket over the window, empty buckets as zeros, the newest bucket in progress (its rates divide
 * by the seconds elapsed). Platform admins see every tenant, agency admins their locations.
 */
export async function getWebhookSeries(deps: WebhookSeriesDeps, principal: Principal, input: { window: SeriesWindow; queue?: WebhookQueueName | undefined }): Promise<Result<WebhookSeriesView, 'forbidden'>> {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  const { seconds, bucketSeconds } = SERIES_WINDOWS[input.window];
  const now = deps.clock.now();
  const bucketMs = bucketSeconds * 1000;
  const to = new Date(Math.ceil((now.getTime() + 1) / bucketMs) * bucketMs);
  const from = new Date(to.getTime() - seconds * 1000);
  const [byTime, byQueue] = await deps.database.system(async (tx) => [
    await readRollupAggregates(tx, scope.value, { from, to, groupBy: 'time', bucketSeconds, queue: input.queue }),
    await readRollupAggregates(tx, scope.value, { from, to, groupBy: 'queue', bucketSeconds, queue: input.queue }),
  ] as const);
  const byStart = new Map(byTime.map((row) => [row.at.getTime(), row]));
  const points: WebhookSeriesView['points'] = [];
  for (let at = from.getTime(); at < to.getTime(); at += bucketMs) {
    // The bucket in progress divides by the time elapsed in it (at least 10 s, so its first seconds do not spike).
    const elapsedSeconds = Math.min(bucketSeconds, Math.max(10, (now.getTime() - at) / 1000));
    points.push({ at: new Date(at).toISOString(), ...toWebhookStats(byStart.get(at) ?? EMPTY, elapsedSeconds) });
  }
  const windowSeconds = Math.max(1, (now.getTime() - from.getTime()) / 1000);
  const queues = WEBHOOK_QUEUES.filter((queue) => input.queue === undefined || queue.name === input.queue).map((queue) => ({
    queue: queue.name,
    slaSeconds: queue.slaSeconds,
    ...toWebhookStats(byQueue.find((row) => row.queue === queue.name) ?? EMPTY, windowSeconds),
  }));
  return succeed({
    window: input.window,
    bucketSeconds,
    queue: input.queue ?? null,
    from: from.toISOString(),
    to: to.toISOString(),
    points,
    total: toWebhookStats(sumAggregates(byQueue), windowSeconds),
    queues,
  });
}

/**
 * The live picture per queue: backlog now (the unfinished rows of the inbox), rates over the last
 * 5 minutes and latency, SLA and errors over the last hour (both from rollups).
 */
export async function getWebhookOverview(deps: WebhookSeriesDeps, principal: Principal): Promise<Result<WebhookOverviewView, 'forbidden'>> {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  const now = deps.clock.now();
  const minuteMs = 60_000;
  const to = new Date(Math.ceil((now.getTime() + 1) / minuteMs) * minuteMs);
  const hourFrom = new Date(to.getTime() - 60 * minuteMs);
  const fiveFrom = new Date(to.getTime() - 5 * minuteMs);
  const [backlog, lastHour, last5] = await deps.database.system(async (tx) => [
    await readQueueBacklog(tx, scope.value),
    await readRollupAggregates(tx, scope.value, { from: hourFrom, to, groupBy: 'queue', bucketSeconds: 60 }),
    await readRollupAggregates(tx, scope.value, { from: fiveFrom, to, groupBy: 'queue', bucketSeconds: 60 }),
  ] as const);
  const hourSeconds = (now.getTime() - hourFrom.getTime()) / 1000;
  const fiveSeconds = (now.getTime() - fiveFrom.getTime()) / 1000;
  const queues = WEBHOOK_QUEUES.map((queue) => {
    const waiting = backlog.find((row) => row.queue === queue.name);
    return {
      queue: queue.name,
      slaSeconds: queue.slaSeconds,
      pending: waiting?.pending ?? 0,
      running: waiting?.running ?? 0,
      retrying: waiting?.retrying ?? 0,
      dead: waiting?.dead ?? 0,
      oldestPendingAgeSeconds: waiting?.oldestPendingSeconds === null || waiting?.oldestPendingSeconds === undefined ? null : round(waiting.oldestPendingSeconds, 1),
      last5Minutes: toWebhookStats(last5.find((row) => row.queue === queue.name) ?? EMPTY, fiveSeconds),
      lastHour: toWebhookStats(lastHour.find((row) => row.queue === queue.name) ?? EMPTY, hourSeconds),
    };
  });
  const ages = queues.map((queue) => queue.oldestPendingAgeSeconds).filter((age): age is number => age !== null);
  return succeed({
    checkedAt: now.toISOString(),
    queues,
    total: {
      pending: queues.reduce((sum, queue) => sum + queue.pending, 0),
      running: queues.reduce((sum, queue) => sum + queue.running, 0),
      retrying: queues.reduce((sum, queue) => sum + queue.retrying, 0),
      dead: queues.reduce((sum, queue) => sum + queue.dead, 0),
      oldestPendingAgeSeconds: ages.length > 0 ? Math.max(...ages) : null,
      last5Minutes: toWebhookStats(sumAggregates(last5), fiveSeconds),
      lastHour: toWebhookStats(sumAggregates(lastHour), hourSeconds),
    },
  });
}
