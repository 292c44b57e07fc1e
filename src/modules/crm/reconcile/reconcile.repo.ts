import { sql } from 'drizzle-orm';
import { queryRows, readTimestamp, type Executor } from '../../../platform/db/index.js';
import { SETUP_SYNC_KIND } from '../sync/setup-sync-steps.js';

/** Reconciliation's reads beyond its runs (platform/runs): which locations may run, and the CRM rows a page is judged against. */

/** Of these locations, the ones with a finished setup sync to reconcile from. */
export async function filterLocationsWithFinishedSetupSync(executor: Executor, locationIds: readonly string[]): Promise<Set<string>> {
  if (locationIds.length === 0) return new Set();
  const rows = await queryRows<{ locationId: string }>(
    executor,
    sql`select distinct location_id as "locationId" from runs
      where kind = ${SETUP_SYNC_KIND} and location_id = any(${sql.param([...locationIds])}::text[]) and status in ('done', 'partial')`,
  );
  return new Set(rows.map((row) => row.locationId));
}

export interface StoredVersion {
  sourceUpdatedAt: Date;
  isDeleted: boolean;
}

/** The version our rows hold for these GHL ids, read before a page is applied (CRM tables share the mirror columns). */
export async function readStoredVersions(executor: Executor, table: string, locationId: string, ghlIds: readonly string[]): Promise<Map<string, StoredVersion>> {
  if (ghlIds.length === 0) return new Map();
  const rows = await queryRows<{ ghlId: string; sourceUpdatedAt: unknown; isDeleted: boolean }>(
    executor,
    sql`select ghl_id as "ghlId", source_updated_at as "sourceUpdatedAt", deleted_at is not null as "isDeleted"
      from ${sql.identifier(table)} where location_id = ${locationId} and ghl_id = any(${sql.param([...ghlIds])}::text[])`,
  );
  return new Map(rows.map((row) => [row.ghlId, { sourceUpdatedAt: readTimestamp(row.sourceUpdatedAt) ?? new Date(0), isDeleted: row.isDeleted === true }]));
}

/**
 * Rows GHL's complete listing did not return: live rows with a GHL id that existed before the run
 * started (a record created meanwhile may simply be newer than the listing), optionally only those
 * starting in the listed time window. At most `limit`.
 */
export async function selectUnlistedRows(
  executor: Executor,
  input: { table: string; locationId: string; listedGhlIds: readonly string[]; createdBefore: Date; startWindow?: { from: Date; to: Date }; limit: number },
): Promise<string[]> {
  const rows = await queryRows<{ ghlId: string }>(
    executor,
    sql`select ghl_id as "ghlId" from ${sql.identifier(input.table)}
      where location_id = ${input.locationId} and deleted_at is null and ghl_id is not null
        and created_at < ${input.createdBefore.toISOString()}::timestamptz
        and not (ghl_id = any(${sql.param([...input.listedGhlIds])}::text[]))
        ${input.startWindow ? sql`and start_time >= ${input.startWindow.from.toISOString()}::timestamptz and start_time < ${input.startWindow.to.toISOString()}::timestamptz` : sql``}
      order by ghl_id limit ${input.limit}`,
  );
  return rows.map((row) => row.ghlId);
}
