import { sql } from 'drizzle-orm';
import { queryRows, type Database, type Executor, type PreparedSql } from '../../platform/db/index.js';
import { extendLeases, failLeasedRow, finishLeasedRow, finishLeasedRows, lockLeasedRows, releaseExpiredRowLeases } from '../../platform/queue/index.js';

/** The NOTIFY channel workers LISTEN on (PostgreSQL); the payload is a comma-separated queue list. */
export const WEBHOOK_NOTIFY_CHANNEL = 'switchboard_webhook_events';

export interface NewInboxRow {
  provider: string;
  deliveryId: string;
  eventType: string;
  queue: string;
  priority: number;
  ghlLocationId: string | null;
  ghlCompanyId: string | null;
  fairnessKey: string;
  orderingKey: string | null;
  occurredAt: Date | null;
  /** The verified raw body text; stored as jsonb. */
  payloadJson: string;
  bodySha256: string;
}

export interface InsertedRow {
  id: string;
  provider: string;
  deliveryId: string;
}

/**
 * One JSON document for the whole batch, spliced by hand: `payloadJson` is the verified body text,
 * already known to be one JSON object, so it goes in verbatim (no re-serialising, no per-character
 * escaping into twelve array literals) and PostgreSQL parses it once, into the jsonb column.
 */
function inboxBatchJson(rows: readonly NewInboxRow[]): string {
  const text = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));
  const parts = rows.map(
    (row, index) =>
      `{"o":${index},"p":${text(row.provider)},"d":${text(row.deliveryId)},"t":${text(row.eventType)},"q":${text(row.queue)},"r":${Math.trunc(row.priority)},` +
      `"l":${text(row.ghlLocationId)},"c":${text(row.ghlCompanyId)},"f":${text(row.fairnessKey)},"k":${text(row.orderingKey)},` +
      `"a":${text(row.occurredAt?.toISOString() ?? null)},"h":${text(row.bodySha256)},"j":${row.payloadJson}}`,
  );
  return `[${parts.join(',')}]`;
}

/**
 * One statement for the whole batch (no BEGIN/COMMIT round trips): a JSON array in, insert in input
 * order, skip duplicates. Prepared (a named statement on PostgreSQL): the server parses and plans it
 * once per connection, and no query is built per batch.
 */
const INSERT_INBOX_BATCH: PreparedSql = {
  name: 'webhook_inbox_insert_batch_v1',
  text: `with input as (
      select * from json_to_recordset($1::json)
        as t(o int, p text, d text, t text, q text, r int2, l text, c text, f text, k text, a timestamptz, h text, j jsonb)
    ),
    inserted as (
      insert into webhook_events (provider, delivery_id, event_type, queue, priority, ghl_location_id, ghl_company_id, fairness_key, ordering_key, occurred_at, payload, body_sha256)
      select p, d, t, q, r, l, c, f, k, a, j, h
      from input order by o
      on conflict (provider, delivery_id) do nothing
      returning id, provider, delivery_id
    )
    select id::text as "id", provider, delivery_id as "deliveryId" from inserted`,
};

export async function insertInboxRows(database: Database, rows: readonly NewInboxRow[]): Promise<InsertedRow[]> {
  if (rows.length === 0) return [];
  return database.runPrepared<InsertedRow & Record<string, unknown>>(INSERT_INBOX_BATCH, [inboxBatchJson(rows)]);
}

/**
 * Wakes workers in other processes. Sent apart from the insert and at most every few milliseconds:
 * a NOTIFY inside the insert would make every group commit serialise on PostgreSQL's notify lock.
 */
export async function notifyInboxQueues(executor: Executor, queues: readonly string[]): Promise<void> {
  await executor.execute(sql`select pg_notify(${WEBHOOK_NOTIFY_CHANNEL}, ${queues.join(',')})`);
}

export async function findInboxIdByDelivery(executor: Executor, provider: string, deliveryId: string): Promise<string | undefined> {
  const [row] = await queryRows<{ id: string }>(executor, sql`select id::text as "id" from webhook_events where provider = ${provider} and delivery_id = ${deliveryId}`);
  return row?.id;
}

/** Pending + retrying rows, counted up to `cap` so the check stays cheap however big the backlog is. */
export async function countInboxBacklog(executor: Executor, cap: number): Promise<number> {
  const [row] = await queryRows<{ count: number | string }>(
    executor,
    sql`select count(*)::int as "count" from (select 1 from webhook_events where status in ('pending', 'retry') limit ${cap}) backlog`,
  );
  return Number(row?.count ?? 0);
}

export interface ClaimedRow {
  id: string;
  provider: string;
  eventType: string;
  deliveryId: string;
  ghlLocationId: string | null;
  ghlCompanyId: string | null;
  orderingKey: string | null;
  occurredAt: string | Date | null;
  payload: Record<string, unknown>;
  receivedAt: string | Date;
  attempts: number;
  fairnessKey: string;
  replayCount: number;
  /** A later event of the same entity waits behind this one: once this is finished it is ready, with no new hint. */
  hasSuccessor: boolean;
}

export interface ClaimOptions {
  queue: string;
  workerId: string;
  batchSize: number;
  /** Most rows one location may take in one claim. */
  perLocation: number;
  leaseSeconds: number;
  /** Round-robin position: start with the first location after this key. */
  afterFairnessKey: string;
}

/**
 * Fair, ordered claim in one statement:
 * 1. a loose index scan lists the locations (fairness keys) with ready work, starting after the cursor;
 * 2. per location, the first ready rows (priority, then age) whose entity has no older unfinished row
 *    (per-entity order), at most `perLocation`, each numbered by its rank within its location;
 * 3. the batch is filled round-robin: by priority, then rank (every location's first row before any
 *    location's second, and so on), then age; locked with SKIP LOCKED and leased.
 * A location takes at most `perLocation` rows however big its backlog, and when the candidates
 * outnumber the batch every listed location still gets its first row in: a hot location's backlog can
 * neither fill a claim nor, being older, push the quiet locations' newer events out of it.
 * Each row says whether a later event of its entity is waiting behind it (`hasSuccessor`): the worker
 * then claims again at once instead of waiting for the next hint.
 *
 * Prepared (a named statement on both engines), so it is parsed and planned once per session: on
 * PGlite planning this statement took longer than running it for a small claim. The joins that must
 * stay index lookups whatever the planner knows (PGlite never gathers statistics) are written as
 * TID lookups: each candidate is locked through a lateral probe of its ctid and the update finds its
 * rows by `ctid = any(…)`, so no plan hashes or scans every pending row of every queue to lock a few.
 */
const CLAIM_INBOX_ROWS: PreparedSql = {
  name: 'webhook_inbox_claim_v2',
  isPlannedForLookups: true,
  text: `with recursive fair_keys as (
      (select e.fairness_key from webhook_events e
        where e.queue = $1::text and e.status in ('pending', 'retry') and e.fairness_key > $2::text
        order by e.fairness_key limit 1)
      union all
      select (select e.fairness_key from webhook_events e
        where e.queue = $1::text and e.status in ('pending', 'retry') and e.fairness_key > f.fairness_key
        order by e.fairness_key limit 1)
      from fair_keys f where f.fairness_key is not null
    ),
    keys as (select fairness_key from fair_keys where fairness_key is not null limit $3::int),
    candidates as (
      select c.ctid, c.priority, c.run_at, c.rank from keys k
      cross join lateral (
        select w.ctid, w.id, w.priority, w.run_at, row_number() over (order by w.priority desc nulls last, w.run_at, w.id) as rank from (
          select e.ctid, e.id, e.priority, e.run_at, e.ordering_key from webhook_events e
          where e.queue = $1::text and e.fairness_key = k.fairness_key and e.status in ('pending', 'retry') and e.run_at <= now()
          order by e.priority desc nulls last, e.run_at, e.id
          limit $4::int
        ) w
        where w.ordering_key is null or not exists (
          select 1 from webhook_events o
          where o.ordering_key = w.ordering_key and o.id < w.id and o.status in ('pending', 'retry', 'running'))
        order by w.priority desc nulls last, w.run_at, w.id
        limit $5::int
      ) c
      order by c.priority desc nulls last, c.rank, c.run_at, c.id
      limit $3::int
    ),
    locked as (
      select l.ctid from candidates c
      cross join lateral (
        select e.ctid from webhook_events e
        where e.ctid = c.ctid and e.status in ('pending', 'retry')
        for update of e skip locked
      ) l
    )
    update webhook_events e set
      status = 'running', attempts = e.attempts + 1, locked_by = $6::text,
      lease_until = now() + make_interval(secs => $7::int), started_at = coalesce(e.started_at, now())
    where e.ctid = any(array(select ctid from locked))
    returning e.id::text as "id", e.provider, e.event_type as "eventType", e.delivery_id as "deliveryId", e.ghl_location_id as "ghlLocationId",
      e.ghl_company_id as "ghlCompanyId", e.ordering_key as "orderingKey", e.occurred_at as "occurredAt", e.payload, e.received_at as "receivedAt",
      e.attempts, e.fairness_key as "fairnessKey", e.replay_count as "replayCount",
      (e.ordering_key is not null and exists (
        select 1 from webhook_events s
        where s.ordering_key = e.ordering_key and s.id > e.id and s.status in ('pending', 'retry', 'running'))) as "hasSuccessor"`,
};

export async function claimInboxRows(database: Database, options: ClaimOptions): Promise<ClaimedRow[]> {
  const window = options.perLocation * 4;
  return database.runPrepared<ClaimedRow & Record<string, unknown>>(CLAIM_INBOX_ROWS, [
    options.queue,
    options.afterFairnessKey,
    options.batchSize,
    window,
    options.perLocation,
    options.workerId,
    options.leaseSeconds,
  ]);
}

const INBOX_TABLE = 'webhook_events';

/** Renews the leases this worker still holds among `ids` (a batch that takes longer than one lease). */
export async function extendInboxLeases(executor: Executor, ids: readonly string[], workerId: string, leaseSeconds: number): Promise<void> {
  await extendLeases(executor, INBOX_TABLE, { ids, workerId, leaseSeconds });
}

/** Marks a leased row finished; false means the lease was lost and the caller must roll back. */
export async function finishInboxRow(executor: Executor, input: { id: string; workerId: string; status: 'done' | 'skipped'; note: string | null }): Promise<boolean> {
  return finishLeasedRow(executor, INBOX_TABLE, input);
}

export async function skipUnhandledInboxRows(executor: Executor, ids: readonly string[], workerId: string): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await queryRows(
    executor,
    sql`update webhook_events set status = 'skipped', finished_at = now(), lease_until = null, last_error = 'unknown type: no processor registered for ' || event_type
      where id = any(${sql.param(ids)}::bigint[]) and locked_by = ${workerId} and status = 'running' returning 1 as "ok"`,
  );
  return rows.length;
}

export async function failInboxRow(executor: Executor, input: { id: string; workerId: string; isDead: boolean; retryInSeconds: number; error: string }): Promise<boolean> {
  return failLeasedRow(executor, INBOX_TABLE, input);
}

/** Rows whose worker died (lease expired) go back to retry, or dead when their attempts are used up. */
export async function releaseExpiredLeases(executor: Executor, maxAttempts: number, limit = 500): Promise<number> {
  return releaseExpiredRowLeases(executor, INBOX_TABLE, { maxAttempts, limit });
}

/**
 * Records the entity version an event carries unless a newer one is already applied. False = the
 * event is stale. The row lock also serialises two workers on one entity.
 */
export async function advanceEntityVersion(executor: Executor, input: { orderingKey: string; versionAt: Date; eventId: string }): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`insert into webhook_entity_versions (ordering_key, version_at, event_id) values (${input.orderingKey}, ${input.versionAt.toISOString()}::timestamptz, ${input.eventId}::bigint)
      on conflict (ordering_key) do update set version_at = excluded.version_at, event_id = excluded.event_id, updated_at = now()
      where webhook_entity_versions.version_at <= excluded.version_at
      returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/**
 * The batch form of advanceEntityVersion: records each event's version unless a newer one is applied
 * for its ordering key. Answers the ids of the events that are current (the others are stale). The
 * ordering keys must be distinct (a claim never holds two rows of one entity).
 */
export async function advanceEntityVersions(executor: Executor, items: readonly { orderingKey: string; versionAt: Date; eventId: string }[]): Promise<Set<string>> {
  if (items.length === 0) return new Set();
  const rows = await queryRows<{ eventId: string }>(
    executor,
    sql`insert into webhook_entity_versions (ordering_key, version_at, event_id)
      select * from unnest(${sql.param(items.map((item) => item.orderingKey))}::text[], ${sql.param(items.map((item) => item.versionAt.toISOString()))}::timestamptz[],
        ${sql.param(items.map((item) => item.eventId))}::bigint[])
      on conflict (ordering_key) do update set version_at = excluded.version_at, event_id = excluded.event_id, updated_at = now()
      where webhook_entity_versions.version_at <= excluded.version_at
      returning event_id::text as "eventId"`,
  );
  return new Set(rows.map((row) => row.eventId));
}

/** Locks the claimed rows this worker still leases (lockLeasedRows, with its asynchronous-commit option); answers the ids held. */
export function lockClaimedInboxRows(executor: Executor, ids: readonly string[], workerId: string, options: { isCommitAsynchronous?: boolean } = {}): Promise<Set<string>> {
  return lockLeasedRows(executor, INBOX_TABLE, { ids, workerId, ...options });
}

export function finishInboxRows(executor: Executor, workerId: string, rows: readonly { id: string; status: 'done' | 'skipped'; note: string | null }[]): Promise<number> {
  return finishLeasedRows(executor, INBOX_TABLE, { workerId, rows });
}

/** Retention: finished (done/skipped) rows older than the cutoff, in batches; dead rows are kept. */
export async function deleteFinishedInboxRows(executor: Executor, olderThan: Date, limit: number): Promise<number> {
  const rows = await queryRows(
    executor,
    sql`delete from webhook_events where id in (
        select id from webhook_events where status in ('done', 'skipped') and finished_at < ${olderThan.toISOString()}::timestamptz
        limit ${limit} for update skip locked)
      returning 1 as "ok"`,
  );
  return rows.length;
}

export async function deleteEntityVersionsBefore(executor: Executor, olderThan: Date): Promise<number> {
  const rows = await queryRows(executor, sql`delete from webhook_entity_versions where updated_at < ${olderThan.toISOString()}::timestamptz returning 1 as "ok"`);
  return rows.length;
}
