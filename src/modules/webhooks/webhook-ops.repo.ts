import { sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../platform/db/index.js';
import { listGhlLocationIdsOfCompany } from '../tenants/index.js';

/**
 * webhook_events has no RLS (rows arrive before a tenant is known), so every ops query takes a scope:
 * a platform admin sees everything, an agency admin only events of its company's GHL locations.
 */
export type OpsScope = { kind: 'all' } | { kind: 'company'; companyId: string };

/** The scope as a condition on events: an agency sees the events of its locations' GHL ids (the tenants module knows them). */
async function scopeFilter(executor: Executor, scope: OpsScope): Promise<SQL> {
  if (scope.kind === 'all') return sql`true`;
  const ghlLocationIds = await listGhlLocationIdsOfCompany(executor, scope.companyId);
  return sql`e.ghl_location_id = any(${sql.param(ghlLocationIds)}::text[])`;
}

export interface QueueBacklogRow {
  queue: string;
  pending: number;
  running: number;
  retrying: number;
  dead: number;
  oldestPendingSeconds: number | null;
}

export async function readQueueBacklog(executor: Executor, scope: OpsScope): Promise<QueueBacklogRow[]> {
  const inScope = await scopeFilter(executor, scope);
  return queryRows<QueueBacklogRow & Record<string, unknown>>(
    executor,
    sql`select e.queue,
        count(*) filter (where e.status = 'pending')::int as "pending",
        count(*) filter (where e.status = 'running')::int as "running",
        count(*) filter (where e.status = 'retry')::int as "retrying",
        count(*) filter (where e.status = 'dead')::int as "dead",
        extract(epoch from now() - min(e.received_at) filter (where e.status = 'pending'))::float8 as "oldestPendingSeconds"
      from webhook_events e
      where e.status in ('pending', 'running', 'retry', 'dead') and ${inScope}
      group by e.queue`,
  );
}

export interface EventFilter {
  ghlLocationId?: string | undefined;
  eventType?: string | undefined;
  status?: string | undefined;
  queue?: string | undefined;
  receivedFrom?: Date | undefined;
  receivedTo?: Date | undefined;
}

function eventFilter(filter: EventFilter): SQL {
  const parts: SQL[] = [sql`true`];
  if (filter.ghlLocationId !== undefined) parts.push(sql`e.ghl_location_id = ${filter.ghlLocationId}`);
  if (filter.eventType !== undefined) parts.push(sql`e.event_type = ${filter.eventType}`);
  if (filter.status !== undefined) parts.push(sql`e.status = ${filter.status}`);
  if (filter.queue !== undefined) parts.push(sql`e.queue = ${filter.queue}`);
  if (filter.receivedFrom !== undefined) parts.push(sql`e.received_at >= ${filter.receivedFrom.toISOString()}::timestamptz`);
  if (filter.receivedTo !== undefined) parts.push(sql`e.received_at < ${filter.receivedTo.toISOString()}::timestamptz`);
  return sql.join(parts, sql` and `);
}

export interface EventSummaryRow {
  id: string;
  provider: string;
  eventType: string;
  deliveryId: string;
  queue: string;
  status: string;
  ghlLocationId: string | null;
  ghlCompanyId: string | null;
  attempts: number;
  lastError: string | null;
  receivedAt: string | Date;
  finishedAt: string | Date | null;
}

const summaryColumns = sql`e.id::text as "id", e.provider, e.event_type as "eventType", e.delivery_id as "deliveryId", e.queue, e.status,
  e.ghl_location_id as "ghlLocationId", e.ghl_company_id as "ghlCompanyId", e.attempts, e.last_error as "lastError",
  e.received_at as "receivedAt", e.finished_at as "finishedAt"`;

/** Newest first, keyset-paginated on id. */
export async function listEvents(executor: Executor, scope: OpsScope, filter: EventFilter, page: { beforeId: string | undefined; limit: number }): Promise<EventSummaryRow[]> {
  const inScope = await scopeFilter(executor, scope);
  const before = page.beforeId === undefined ? sql`true` : sql`e.id < ${page.beforeId}::bigint`;
  return queryRows<EventSummaryRow & Record<string, unknown>>(
    executor,
    sql`select ${summaryColumns} from webhook_events e
      where ${inScope} and ${eventFilter(filter)} and ${before}
      order by e.id desc limit ${page.limit}`,
  );
}

export interface EventDetailRow extends EventSummaryRow {
  priority: number;
  orderingKey: string | null;
  occurredAt: string | Date | null;
  payload: Record<string, unknown>;
  bodySha256: string;
  errors: { attempt: number; at: string; error: string }[];
  runAt: string | Date;
  leaseUntil: string | Date | null;
  lockedBy: string | null;
  startedAt: string | Date | null;
  replayCount: number;
}

export async function findEvent(executor: Executor, scope: OpsScope, id: string): Promise<EventDetailRow | undefined> {
  const inScope = await scopeFilter(executor, scope);
  const [row] = await queryRows<EventDetailRow & Record<string, unknown>>(
    executor,
    sql`select ${summaryColumns}, e.priority, e.ordering_key as "orderingKey", e.occurred_at as "occurredAt", e.payload, e.body_sha256 as "bodySha256",
        e.errors, e.run_at as "runAt", e.lease_until as "leaseUntil", e.locked_by as "lockedBy", e.started_at as "startedAt", e.replay_count as "replayCount"
      from webhook_events e where e.id = ${id}::bigint and ${inScope}`,
  );
  return row;
}

/** Statuses a replay may take back to pending: finished ones, never work in flight. */
export const REPLAYABLE_STATUSES = ['dead', 'skipped', 'done'] as const;

const replayableList = sql.join(
  REPLAYABLE_STATUSES.map((status) => sql`${status}`),
  sql`, `,
);

export async function countReplayable(executor: Executor, scope: OpsScope, filter: EventFilter): Promise<number> {
  const inScope = await scopeFilter(executor, scope);
  const [row] = await queryRows<{ count: number }>(
    executor,
    sql`select count(*)::int as "count" from webhook_events e where e.status in (${replayableList}) and ${inScope} and ${eventFilter(filter)}`,
  );
  return row?.count ?? 0;
}

export async function replayEvents(executor: Executor, scope: OpsScope, filter: EventFilter & { id?: string | undefined }): Promise<{ count: number; queues: string[] }> {
  const inScope = await scopeFilter(executor, scope);
  const byId = filter.id === undefined ? sql`true` : sql`e.id = ${filter.id}::bigint`;
  const rows = await queryRows<{ queue: string }>(
    executor,
    sql`update webhook_events e set status = 'pending', attempts = 0, run_at = now(), lease_until = null, locked_by = null,
        started_at = null, finished_at = null, replay_count = e.replay_count + 1
      where e.status in (${replayableList}) and ${byId} and ${inScope} and ${eventFilter(filter)}
      returning e.queue`,
  );
  return { count: rows.length, queues: [...new Set(rows.map((row) => row.queue))] };
}

export async function deleteEvent(executor: Executor, scope: OpsScope, id: string): Promise<number> {
  const inScope = await scopeFilter(executor, scope);
  const rows = await queryRows(
    executor,
    sql`delete from webhook_events e where e.id = ${id}::bigint and e.status in (${replayableList}) and ${inScope} returning 1 as "ok"`,
  );
  return rows.length;
}
