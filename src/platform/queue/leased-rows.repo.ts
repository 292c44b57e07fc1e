import { sql } from 'drizzle-orm';
import { ASYNCHRONOUS_COMMIT_SETTING, queryRows, type Executor } from '../db/index.js';

/*
 * The row lifecycle our table queues share (the jobs outbox and the webhook inbox): a claimed row is
 * `running` under a lease held by one worker (`locked_by`, `lease_until`); it ends done/skipped, or
 * fails into `retry` with a backoff (`run_at`) or `dead`, its error appended to a capped `errors` list;
 * a lease that expires (the worker died) sends the row back to retry, or dead when its attempts are
 * used up. The table needs the columns id (bigint), status, attempts, run_at, lease_until, locked_by,
 * last_error, errors (jsonb array) and finished_at. Claims differ per queue and stay with each.
 */

const MAX_ERRORS_KEPT = 20;

const appendError = (errors: ReturnType<typeof sql>, error: ReturnType<typeof sql>) =>
  sql`(case when jsonb_array_length(${errors}) >= ${MAX_ERRORS_KEPT} then ${errors} - 0 else ${errors} end)
    || jsonb_build_array(jsonb_build_object('attempt', attempts, 'at', now(), 'error', ${error}::text))`;

/** Ends a row this worker leases; false = the lease was lost (the caller must roll back what it did). */
export async function finishLeasedRow(executor: Executor, table: string, input: { id: string; workerId: string; status: 'done' | 'skipped'; note: string | null }): Promise<boolean> {
  const rows = await queryRows(
    executor,
    sql`update ${sql.identifier(table)} set status = ${input.status}, finished_at = now(), lease_until = null, last_error = ${input.note}
      where id = ${input.id}::bigint and locked_by = ${input.workerId} and status = 'running' returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/**
 * Locks the rows of `ids` this worker still leases, for the rest of the caller's transaction: the
 * reaper cannot take them back until it commits, so a batch's finish marks cannot lose their lease.
 * With `isCommitAsynchronous` the same statement also makes the transaction's commit asynchronous
 * (commitAsynchronously, PostgreSQL only): one round trip fewer per transaction. Answers the ids held.
 */
export async function lockLeasedRows(executor: Executor, table: string, input: { ids: readonly string[]; workerId: string; isCommitAsynchronous?: boolean }): Promise<Set<string>> {
  if (input.ids.length === 0) return new Set();
  const setting = input.isCommitAsynchronous ? sql`with async_commit as materialized (select ${ASYNCHRONOUS_COMMIT_SETTING} as setting) ` : sql``;
  const alsoSetting = input.isCommitAsynchronous ? sql` cross join async_commit` : sql``;
  // One primary-key probe per id, in id order (two lockers never wait on each other crosswise): as
  // `id = any(…)` over the table, a planner without statistics (PGlite) scanned a whole partial index.
  const ids = [...new Set(input.ids.map((id) => BigInt(id)))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
  const rows = await queryRows<{ id: string }>(
    executor,
    sql`${setting}select held.id::text as "id" from unnest(${sql.param(ids)}::bigint[]) as wanted(id)${alsoSetting}
      cross join lateral (
        select t.id from ${sql.identifier(table)} t
        where t.id = wanted.id and t.locked_by = ${input.workerId} and t.status = 'running'
        for update of t
      ) held`,
  );
  return new Set(rows.map((row) => row.id));
}

/** Ends many leased rows in one statement (rows locked by `lockLeasedRows`); answers how many it ended. */
export async function finishLeasedRows(
  executor: Executor,
  table: string,
  input: { workerId: string; rows: readonly { id: string; status: 'done' | 'skipped'; note: string | null }[] },
): Promise<number> {
  if (input.rows.length === 0) return 0;
  const rows = await queryRows(
    executor,
    sql`update ${sql.identifier(table)} t set status = v.status, finished_at = now(), lease_until = null, last_error = v.note
      from unnest(${sql.param(input.rows.map((row) => row.id))}::bigint[], ${sql.param(input.rows.map((row) => row.status))}::text[], ${sql.param(input.rows.map((row) => row.note))}::text[]) as v(id, status, note)
      where t.id = v.id and t.locked_by = ${input.workerId} and t.status = 'running' returning 1 as "ok"`,
  );
  return rows.length;
}

/** A failed attempt: retry after `retryInSeconds`, or dead; false = the lease was lost. */
export async function failLeasedRow(executor: Executor, table: string, input: { id: string; workerId: string; isDead: boolean; retryInSeconds: number; error: string }): Promise<boolean> {
  const status = input.isDead ? 'dead' : 'retry';
  const rows = await queryRows(
    executor,
    sql`update ${sql.identifier(table)} set status = ${status}, lease_until = null, locked_by = null, last_error = ${input.error},
        run_at = now() + make_interval(secs => ${input.retryInSeconds}),
        finished_at = case when ${status} = 'dead' then now() else null end,
        errors = ${appendError(sql`errors`, sql`${input.error}`)}
      where id = ${input.id}::bigint and locked_by = ${input.workerId} and status = 'running' returning 1 as "ok"`,
  );
  return rows.length === 1;
}

/** Renews the leases this worker still holds among `ids`; answers how many it holds. */
export async function extendLeases(executor: Executor, table: string, input: { ids: readonly string[]; workerId: string; leaseSeconds: number }): Promise<number> {
  if (input.ids.length === 0) return 0;
  const rows = await queryRows(
    executor,
    sql`update ${sql.identifier(table)} set lease_until = now() + make_interval(secs => ${input.leaseSeconds})
      where id = any(${sql.param(input.ids.map((id) => String(id)))}::bigint[]) and locked_by = ${input.workerId} and status = 'running' returning 1 as "ok"`,
  );
  return rows.length;
}

/**
 * Rows whose worker died (lease expired) go back to retry at once, or dead when their attempts are
 * used up: `maxAttempts` is the queue's limit, or `per-row` to read each row's `max_attempts`.
 */
export async function releaseExpiredRowLeases(executor: Executor, tableName: string, input: { maxAttempts: number | 'per-row'; limit: number }): Promise<number> {
  const error = 'lease expired: the worker crashed or stalled';
  const table = sql.identifier(tableName);
  const isUsedUp = input.maxAttempts === 'per-row' ? sql`r.attempts >= r.max_attempts` : sql`r.attempts >= ${input.maxAttempts}`;
  const rows = await queryRows(
    executor,
    sql`with expired as (
        select id from ${table} where status = 'running' and lease_until < now() order by lease_until limit ${input.limit} for update skip locked
      )
      update ${table} r set
        status = case when ${isUsedUp} then 'dead' else 'retry' end,
        run_at = now(), lease_until = null, locked_by = null, last_error = ${error},
        finished_at = case when ${isUsedUp} then now() else null end,
        errors = ${appendError(sql`r.errors`, sql`${error}`)}
      from expired x where r.id = x.id returning 1 as "ok"`,
  );
  return rows.length;
}
