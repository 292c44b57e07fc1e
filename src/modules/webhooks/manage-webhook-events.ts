import type { Database } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import {
  countReplayable,
  deleteEvent,
  findEvent,
  listEvents,
  readQueueBacklog,
  readQueueThroughput,
  replayEvents,
  type EventDetailRow,
  type EventFilter,
  type EventSummaryRow,
  type OpsScope,
} from './webhook-ops.repo.js';
import { WEBHOOK_QUEUES } from './webhook-routing.js';

export interface WebhookOpsDeps {
  database: Database;
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

export async function getWebhookStatus(deps: WebhookOpsDeps, principal: Principal) {
  const scope = scopeOf(principal);
  if (!scope.ok) return scope;
  const [backlog, throughput] = await deps.database.system(async (tx) => [await readQueueBacklog(tx, scope.value), await readQueueThroughput(tx, scope.value)] as const);
  const queues = WEBHOOK_QUEUES.map((queue) => {
    const waiting = backlog.find((row) => row.queue === queue.name);
    const done = throughput.find((row) => row.queue === queue.name);
    return {
      queue: queue.name,
      slaSeconds: queue.slaSeconds,
      pending: waiting?.pending ?? 0,
      running: waiting?.running ?? 0,
      retrying: waiting?.retrying ?? 0,
      dead: waiting?.dead ?? 0,
      oldestPendingAgeSeconds: round(waiting?.oldestPendingSeconds ?? null),
      throughputPerSecond: {
        last1m: round((done?.completed1m ?? 0) / 60, 2) ?? 0,
        last5m: round((done?.completed5m ?? 0) / 300, 2) ?? 0,
        last60m: round((done?.completed60m ?? 0) / 3600, 2) ?? 0,
      },
      receiptToDoneMs: { p50: round(done?.p50Ms ?? null), p95: round(done?.p95Ms ?? null), p99: round(done?.p99Ms ?? null) },
      slaCompliancePercent: done && done.measured > 0 ? (round((done.withinSla / done.measured) * 100, 2) ?? 0) : null,
      completedLastHour: done?.completed60m ?? 0,
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
