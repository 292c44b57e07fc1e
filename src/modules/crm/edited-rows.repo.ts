import { sql } from 'drizzle-orm';
import { queryRows, readTimestamp, type Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import { applyEntityVersions, type EntityTable, type EntityVersion } from './entity-versions.repo.js';
import { mergeRemoteVersion, readLocalChanges, type LocalChanges, type MergeOutcome } from './write-through.js';

/*
 * Rows of write-through tables (contacts, opportunities, appointments) by table: read with their
 * local edits, and merged with a GHL version. Used by the webhook processors (entity-processor.ts)
 * and by the outbox side (write-through.repo.ts).
 */

export interface WriteThroughRow {
  id: string;
  companyId: string;
  locationId: string;
  ghlId: string | null;
  /** Our contacts.id (projects and appointments created here). */
  contactId: string | null;
  localChanges: LocalChanges;
  deletedAt: Date | null;
  sourceUpdatedAt: Date;
  sourceEventAt: Date | null;
  lastPushedAt: Date | null;
  /** GHL's id of the record a push created, until the push is confirmed. */
  createdGhlId: string | null;
  /** The entity's own columns by SQL name. */
  values: Record<string, unknown>;
}


export type EditableRowKey =
  | { id: string }
  | { locationId: string; ghlId: string }
  /** What API callers hold: our id or GHL's, of a record not deleted. */
  | { locationId: string; anyId: string };

/** Locks and reads one row by our id, by GHL's id within a location, or by either. */
export async function lockEditableRow(tx: Executor, table: EntityTable<string>, key: EditableRowKey): Promise<WriteThroughRow | undefined> {
  const columns = Object.keys(table.columns);
  const hasContactId = table.name !== 'contacts';
  const where =
    'id' in key
      ? sql`id = ${key.id}`
      : 'ghlId' in key
        ? sql`location_id = ${key.locationId} and ghl_id = ${key.ghlId}`
        : sql`location_id = ${key.locationId} and (id = ${key.anyId} or ghl_id = ${key.anyId}) and deleted_at is null`;
  const [row] = await queryRows<Record<string, unknown>>(
    tx,
    sql`select id, company_id, location_id, ghl_id, ${hasContactId ? sql`contact_id` : sql`null::text as contact_id`}, local_changes, deleted_at,
        source_updated_at, source_event_at, last_pushed_at, created_ghl_id, ${sql.join(
          columns.map((column) => sql.identifier(column)),
          sql`, `,
        )}
      from ${sql.identifier(table.name)} where ${where} for update`,
  );
  if (!row) return undefined;
  return {
    id: String(row['id']),
    companyId: String(row['company_id']),
    locationId: String(row['location_id']),
    ghlId: (row['ghl_id'] as string | null) ?? null,
    contactId: (row['contact_id'] as string | null) ?? null,
    localChanges: readLocalChanges(row['local_changes']),
    deletedAt: readTimestamp(row['deleted_at']),
    sourceUpdatedAt: readTimestamp(row['source_updated_at']) ?? new Date(0),
    sourceEventAt: readTimestamp(row['source_event_at']),
    lastPushedAt: readTimestamp(row['last_pushed_at']),
    createdGhlId: (row['created_ghl_id'] as string | null) ?? null,
    // pg returns bigint as text (PGlite as a number): one shape for both drivers.
    values: Object.fromEntries(columns.map((column) => [column, readCell(table.columns[column]?.type, row[column])])),
  };
}

export async function saveLocalChanges(tx: Executor, table: EntityTable<string>, id: string, changes: LocalChanges, extra: { lastPushedAt?: Date; pushError?: string | null } = {}): Promise<void> {
  await tx.execute(
    sql`update ${sql.identifier(table.name)} set local_changes = ${JSON.stringify(changes)}::jsonb
      ${extra.lastPushedAt ? sql`, last_pushed_at = ${extra.lastPushedAt.toISOString()}::timestamptz` : sql``}
      ${extra.pushError !== undefined ? sql`, push_error = ${extra.pushError}` : sql``}
      where id = ${id}`,
  );
}

function isOlder(version: { sourceUpdatedAt: Date; sourceEventAt: Date | null }, row: WriteThroughRow): boolean {
  const byChange = version.sourceUpdatedAt.getTime() - row.sourceUpdatedAt.getTime();
  if (byChange !== 0) return byChange < 0;
  return (version.sourceEventAt?.getTime() ?? Number.NEGATIVE_INFINITY) < (row.sourceEventAt?.getTime() ?? Number.NEGATIVE_INFINITY);
}

function readCell(type: string | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if ((type === 'bigint' || type === 'integer') && typeof value === 'string') return Number(value);
  return value;
}

export type RemoteMergeResult = { status: 'applied'; outcome: MergeOutcome } | { status: 'echo' | 'stale' | 'absent' };

/**
 * A GHL version the plain upsert did not apply: if the row has local edits, merge per column
 * (write-through.ts) and apply; otherwise tell why nothing happened (our echo, stale, replay).
 */
export async function mergeIntoEditedRow(
  tx: Executor,
  table: EntityTable<string>,
  version: EntityVersion<string>,
  options: { now: Date; generateId: IdGenerator },
): Promise<RemoteMergeResult> {
  if (!version.locationId) return { status: 'absent' };
  const row = await lockEditableRow(tx, table, { locationId: version.locationId, ghlId: version.ghlId });
  if (!row || row.deletedAt) return { status: 'absent' };
  if (Object.keys(row.localChanges).length === 0) return { status: row.lastPushedAt && !isOlder(version, row) ? 'echo' : 'stale' };
  if (isOlder(version, row)) return { status: 'stale' };
  const outcome = mergeRemoteVersion(table.columns, row.values, row.localChanges, { values: version.values, changedAt: version.sourceUpdatedAt });
  await applyEntityVersions(tx, table, [{ ...version, values: outcome.values }], { mode: 'upsert', ...options, isMergedWithLocalChanges: true });
  await saveLocalChanges(tx, table, row.id, outcome.changes);
  return outcome.foreignColumns.length === 0 ? { status: 'echo' } : { status: 'applied', outcome };
}


/** Of these GHL ids, the live rows that hold edits GHL has not confirmed yet. */
export async function findRowsWithLocalEdits(tx: Executor, table: EntityTable<string>, ghlIds: readonly string[]): Promise<{ ghlId: string; locationId: string }[]> {
  if (ghlIds.length === 0) return [];
  return queryRows<{ ghlId: string; locationId: string }>(
    tx,
    sql`select ghl_id as "ghlId", location_id as "locationId" from ${sql.identifier(table.name)}
      where ghl_id = any(${sql.param([...ghlIds])}::text[]) and local_changes <> '{}'::jsonb and deleted_at is null`,
  );
}
