import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db/index.js';

import { SYNC_HEALTH_ENTITIES } from './sync-health-entities.js';

type Timestamp = Date | string | null;

export interface EntityCountRow {
  entity: string;
  localCount: number;
  syncedCount: number;
  lastSourceUpdatedAt: Timestamp;
  lastWrittenAt: Timestamp;
  unconfirmedRecords: number;
  refusedRecords: number;
}

/**
 * One statement over every entity table. A row counts as synced when it carries GHL's id; rows created
 * here and not yet pushed will lack one once the outbox writes locally first.
 */
export async function selectEntityCounts(tx: Executor, locationId: string): Promise<EntityCountRow[]> {
  const parts = SYNC_HEALTH_ENTITIES.map(
    ({ entity, table, isWriteThrough }) => sql`select ${entity}::text as "entity",
      count(*) filter (where deleted_at is null)::int as "localCount",
      count(*) filter (where deleted_at is null and ghl_id is not null and ghl_id <> '')::int as "syncedCount",
      max(source_updated_at) filter (where deleted_at is null) as "lastSourceUpdatedAt",
      max(updated_at) filter (where deleted_at is null) as "lastWrittenAt",
      ${isWriteThrough ? sql`count(*) filter (where local_changes <> '{}'::jsonb)::int` : sql`0`} as "unconfirmedRecords",
      ${isWriteThrough ? sql`count(*) filter (where push_error is not null)::int` : sql`0`} as "refusedRecords"
      from ${sql.identifier(table)} where location_id = ${locationId}`,
  );
  return queryRows<EntityCountRow & Record<string, unknown>>(tx, sql.join(parts, sql` union all `));
}

export interface LatestRunRow {
  id: string;
  trigger: string;
  status: string;
  grade: string | null;
  startedAt: Timestamp;
  finishedAt: Timestamp;
}

export async function findLatestSyncRun(tx: Executor, locationId: string): Promise<LatestRunRow | undefined> {
  const [row] = await queryRows<LatestRunRow & Record<string, unknown>>(
    tx,
    sql`select id, trigger, status, grade, started_at as "startedAt", finished_at as "finishedAt"
      from sync_runs where location_id = ${locationId} order by created_at desc limit 1`,
  );
  return row;
}

export async function findLastFinishedSyncAt(tx: Executor, locationId: string): Promise<Timestamp> {
  const [row] = await queryRows<{ finishedAt: Timestamp }>(tx, sql`select max(finished_at) as "finishedAt" from sync_runs where location_id = ${locationId}`);
  return row?.finishedAt ?? null;
}

export interface ReconcileRunRow {
  status: string;
  coverage: number | null;
  listedCount: number;
  repairedCount: number;
  finishedAt: Timestamp;
}

/** The newest finished reconciliation of the location (reconcile_runs, ghl-reconcile.tables.ts). */
export async function findLatestFinishedReconciliation(tx: Executor, locationId: string): Promise<ReconcileRunRow | undefined> {
  const [row] = await queryRows<ReconcileRunRow & Record<string, unknown>>(
    tx,
    sql`select status, coverage, listed_count as "listedCount", repaired_count as "repairedCount", finished_at as "finishedAt"
      from reconcile_runs where location_id = ${locationId} and finished_at is not null order by finished_at desc limit 1`,
  );
  return row;
}
