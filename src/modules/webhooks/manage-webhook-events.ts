import type { Clock } from '../../platform/clock/clock.js';
import type { Database, Tx } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import {
  countReplayable,
  deleteEvent,
  findEvent,
  listEvents,
  readQueueBacklog,
  replayEvents,
  type EventDetailRow,
  type EventFilter,
  type EventSummaryRow,
  type OpsScope,
} from './webhook-ops.repo.js';
import { WEBHOOK_QUEUES } from './webhook-routing.js';
import { EMPTY_ROLLUP_AGGREGATE, toWebhookStats } from './webhook-rollup-stats.js';
import { readRollupAggregates } from './webhook-rollups.repo.js';

export interface WebhookOpsDeps {
  database: Database;
  clock: Clock;
  /** Wakes this process's workers for the queues that got replayed rows. */
  onReplayed: (queues: readonly string[]) => void;
}

type Forbidden = 'forbidden';

export function scopeOf(principal: Principal): Result<OpsScope, Forbidden> {
  if (principal.role === 'platform_admin') return succeed({ kind: 'all' });
  if (principal.kind === 'user' && principal.role === 'agency_admin' && principal.companyId) return succeed({ kind: 'company', companyId: principal.companyId });
  return fail('forbidden', 'Only platform and agency admins can see webhook operations');
}

const round = (value: number | null, digits = 1) => (value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits);

const MINUTE_MS = 60_000;

/**
 * Queue status: the backlog counted in webhook_events (the unfinished and dead rows only) and what
 * was finished read from webhook_rollups, so the answer costs the same however many events
 * finished in the last hour. A window of N minutes is the N whole rollup minutes before the current
 * one and the current one; its rate divides by the seconds that spans. Finished events reach the
 * rollups at each recorder flush (WEBHOOK_ROLLUP_FLUSH_MS); latency and SLA compliance are the
 * overview's figures for the hour (toWebhookStats: percentiles from the rollup histograms).
 */
export async function getWebhookStatus(deps: WebhookOpsDeps, principal: Principal) {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  const now = deps.clock.now().getTime();
  const currentMinute = Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const to = new Date(currentMinute + MINUTE_MS);
  const windowOf = (minutes: number) => ({ from: new Date(currentMinute - minutes * MINUTE_MS), seconds: (now - (currentMinute - minutes * MINUTE_MS)) / 1000 });
  const windows = { last1m: windowOf(1), last5m: windowOf(5), last60m: windowOf(60) };
  const finishedIn = (tx: Tx, window: { from: Date }) => readRollupAggregates(tx, scope.value, { from: window.from, to, groupBy: 'queue', bucketSeconds: 60 });
  const [backlog, last1m, last5m, last60m] = await deps.database.system(
    async (tx) => [await readQueueBacklog(tx, scope.value), await finishedIn(tx, windows.last1m), await finishedIn(tx, windows.last5m), await finishedIn(tx, windows.last60m)] as const,
  );
  const completed = (rows: typeof last1m, queue: string) => {
    const row = rows.find((candidate) => candidate.queue === queue);
    return row ? row.done + row.skipped : 0;
  };
  const queues = WEBHOOK_QUEUES.map((queue) => {
    const waiting = backlog.find((row) => row.queue === queue.name);
    const hour = toWebhookStats(last60m.find((row) => row.queue === queue.name) ?? EMPTY_ROLLUP_AGGREGATE, windows.last60m.seconds);
    return {
      queue: queue.name,
      slaSeconds: queue.slaSeconds,
      pending: waiting?.pending ?? 0,
      running: waiting?.running ?? 0,
      retrying: waiting?.retrying ?? 0,
      dead: waiting?.dead ?? 0,
      oldestPendingAgeSeconds: round(waiting?.oldestPendingSeconds ?? null),
      throughputPerSecond: {
        last1m: round(completed(last1m, queue.name) / windows.last1m.seconds, 2) ?? 0,
        last5m: round(completed(last5m, queue.name) / windows.last5m.seconds, 2) ?? 0,
        last60m: round(completed(last60m, queue.name) / windows.last60m.seconds, 2) ?? 0,
      },
      receiptToDoneMs: { p50: hour.latencyMs.p50, p95: hour.latencyMs.p95, p99: hour.latencyMs.p99 },
      slaCompliancePercent: hour.slaCompliancePercent,
      completedLastHour: completed(last60m, queue.name),
    };
  });
  return succeed({ queues, windowMinutes: 60 });
}

export async function listWebhookEvents(
  deps: WebhookOpsDeps,
  principal: Principal,
  input: EventFilter & { cursor?: string | undefined; limit: number },
): Promise<Result<{ items: EventSummaryRow[]; nextCursor: string | null }, Forbidden>> {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  const rows = await deps.database.system((tx) => listEvents(tx, scope.value, input, { beforeId: input.cursor, limit: input.limit + 1 }));
  const items = rows.slice(0, input.limit);
  return succeed({ items, nextCursor: rows.length > input.limit ? (items.at(-1)?.id ?? null) : null });
}

export async function getWebhookEvent(deps: WebhookOpsDeps, principal: Principal, id: string): Promise<Result<EventDetailRow, Forbidden | 'webhook_event_not_found'>> {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  const row = await deps.database.system((tx) => findEvent(tx, scope.value, id));
  return row ? succeed(row) : fail('webhook_event_not_found', 'No such webhook event');
}

export async function replayWebhookEvent(
  deps: WebhookOpsDeps,
  principal: Principal,
  id: string,
): Promise<Result<{ replayed: number }, Forbidden | 'webhook_event_not_found' | 'webhook_event_in_flight'>> {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  return deps.database.system(async (tx) => {
    const row = await findEvent(tx, scope.value, id);
    if (!row) return fail('webhook_event_not_found', 'No such webhook event');
    const replayed = await replayEvents(tx, scope.value, { id });
    if (replayed.count === 0) return fail('webhook_event_in_flight', `A ${row.status} event cannot be replayed; only done, skipped and dead events can`);
    deps.onReplayed(replayed.queues);
    return succeed({ replayed: replayed.count });
  });
}

/** Replays finished events matching the filter (dead by default); a dry run only counts them. */
export async function replayWebhookEvents(
  deps: WebhookOpsDeps,
  principal: Principal,
  input: EventFilter & { dryRun: boolean },
): Promise<Result<{ matched: number; replayed: number; dryRun: boolean }, Forbidden>> {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  const filter: EventFilter = { ...input, status: input.status ?? 'dead' };
  if (input.dryRun) {
    const matched = await deps.database.system((tx) => countReplayable(tx, scope.value, filter));
    return succeed({ matched, replayed: 0, dryRun: true });
  }
  const replayed = await deps.database.system((tx) => replayEvents(tx, scope.value, filter));
  deps.onReplayed(replayed.queues);
  return succeed({ matched: replayed.count, replayed: replayed.count, dryRun: false });
}

export async function deleteWebhookEvent(
  deps: WebhookOpsDeps,
  principal: Principal,
  id: string,
): Promise<Result<{ deleted: number }, Forbidden | 'webhook_event_not_found' | 'webhook_event_in_flight'>> {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  return deps.database.system(async (tx) => {
    const row = await findEvent(tx, scope.value, id);
    if (!row) return fail('webhook_event_not_found', 'No such webhook event');
    const deleted = await deleteEvent(tx, scope.value, id);
    if (deleted === 0) return fail('webhook_event_in_flight', `A ${row.status} event is in flight and cannot be deleted`);
    return succeed({ deleted });
  });
}
