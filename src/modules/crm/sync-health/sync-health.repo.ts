import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db/index.js';
import { findLatestRun } from '../../../platform/runs/index.js';
import { RECONCILE_KIND } from '../reconcile/reconcile-entities.js';
import { SETUP_SYNC_KIND } from '../sync/setup-sync-steps.js';

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
  const run = await findLatestRun(tx, { kind: SETUP_SYNC_KIND, locationId });
  if (!run) return undefined;
  const grade = run.summary?.['grade'];
  return { id: run.id, trigger: run.trigger, status: run.status, grade: typeof grade === 'string' ? grade : null, startedAt: run.startedAt, finishedAt: run.finishedAt };
}

export async function findLastFinishedSyncAt(tx: Executor, locationId: string): Promise<Timestamp> {
  return (await findLatestRun(tx, { kind: SETUP_SYNC_KIND, locationId, isFinished: true }))?.finishedAt ?? null;
}

export interface ReconcileRunRow {
  status: string;
  coverage: number | null;
  listedCount: number;
  repairedCount: number;
  finishedAt: Timestamp;
}

/** The newest finished reconciliation of the location. */
export async function findLatestFinishedReconciliation(tx: Executor, locationId: string): Promise<ReconcileRunRow | undefined> {
  const run = await findLatestRun(tx, { kind: RECONCILE_KIND, locationId, isFinished: true });
  if (!run) return undefined;
  const numberOf = (value: unknown) => (typeof value === 'number' ? value : null);
  return { status: run.status, coverage: numberOf(run.summary?.['coverage']), listedCount: numberOf(run.summary?.['listed']) ?? 0, repairedCount: numberOf(run.summary?.['repaired']) ?? 0, finishedAt: run.finishedAt };
}
