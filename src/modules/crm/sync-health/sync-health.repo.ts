import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db/index.js';

/** The CRM tables a location syncs, and the prefix of the outbox job kinds that push each to GHL. */
export const SYNC_HEALTH_ENTITIES = [
  { entity: 'contacts', table: 'contacts', pushKindPrefix: 'ghl.push-contact', isWriteThrough: true },
  { entity: 'opportunities', table: 'opportunities', pushKindPrefix: 'ghl.push-opportunit', isWriteThrough: true },
  { entity: 'appointments', table: 'appointments', pushKindPrefix: 'ghl.push-appointment', isWriteThrough: true },
  { entity: 'conversations', table: 'conversations', pushKindPrefix: 'ghl.push-conversation', isWriteThrough: false },
  { entity: 'messages', table: 'messages', pushKindPrefix: 'ghl.push-message', isWriteThrough: false },
  { entity: 'invoices', table: 'invoices', pushKindPrefix: 'ghl.push-invoice', isWriteThrough: false },
  { entity: 'notes', table: 'notes', pushKindPrefix: 'ghl.push-note', isWriteThrough: true },
  { entity: 'tasks', table: 'tasks', pushKindPrefix: 'ghl.push-task', isWriteThrough: true },
] as const;

export type SyncHealthEntity = (typeof SYNC_HEALTH_ENTITIES)[number]['entity'];

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

export interface JobCountRow {
  kind: string;
  status: string;
  total: number;
}

/** Push jobs of the location by kind and status, plus every dead job of the location whatever its kind. */
export async function selectLocationJobCounts(tx: Executor, locationId: string): Promise<JobCountRow[]> {
  return queryRows<JobCountRow & Record<string, unknown>>(
    tx,
    sql`select kind, status, count(*)::int as "total" from jobs
      where location_id = ${locationId} and (kind like 'ghl.push-%' or status = 'dead')
      group by kind, status`,
  );
}

export interface TokenStateRow {
  status: string;
  statusReason: string | null;
  accessExpiresAt: Timestamp;
  refreshedAt: Timestamp;
  scopes: string;
}

export async function findLocationToken(tx: Executor, locationId: string): Promise<TokenStateRow | undefined> {
  const [row] = await queryRows<TokenStateRow & Record<string, unknown>>(
    tx,
    sql`select status, status_reason as "statusReason", access_expires_at as "accessExpiresAt", refreshed_at as "refreshedAt", scopes
      from ghl_tokens where location_id = ${locationId} order by updated_at desc limit 1`,
  );
  return row;
}

export interface InstallationRow {
  status: string;
  installedAt: Timestamp;
  uninstalledAt: Timestamp;
}

export async function findLocationInstallation(tx: Executor, locationId: string): Promise<InstallationRow | undefined> {
  const [row] = await queryRows<InstallationRow & Record<string, unknown>>(
    tx,
    sql`select status, installed_at as "installedAt", uninstalled_at as "uninstalledAt"
      from ghl_installations where location_id = ${locationId} order by updated_at desc limit 1`,
  );
  return row;
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

export async function findVisibleLocation(tx: Executor, locationId: string): Promise<{ id: string; ghlLocationId: string | null } | undefined> {
  const [row] = await queryRows<{ id: string; ghlLocationId: string | null }>(tx, sql`select id, ghl_location_id as "ghlLocationId" from locations where id = ${locationId}`);
  return row;
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
