import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import { appointmentsTable } from './appointments.processors.js';
import { contactsTable } from './contacts.processors.js';
import { applyEntityVersions, type EntityTable, type EntityVersion } from './entity-versions.repo.js';
import { opportunitiesTable } from './opportunities.processors.js';
import { confirmSent, LOCAL_DELETE_KEY, markSent, mergeRemoteVersion, readLocalChanges, type LocalChanges, type MergeOutcome } from './write-through.js';

/** The tables the CRM API writes through to GHL. */
export type WriteThroughEntity = 'contacts' | 'opportunities' | 'appointments';

/** Outbox job kinds: the crm module enqueues them, the ghl module runs them. */
export const PUSH_JOB_KINDS: Record<WriteThroughEntity, string> = {
  contacts: 'ghl.push-contact',
  opportunities: 'ghl.push-opportunity',
  appointments: 'ghl.push-appointment',
};

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
  /** The entity's own columns by SQL name. */
  values: Record<string, unknown>;
}

/** Resolved at call time: the processors import this file (an import cycle), so no table is read at load. */
export function writeThroughTableOf(entity: WriteThroughEntity): EntityTable<string> {
  switch (entity) {
    case 'contacts':
      return contactsTable as EntityTable<string>;
    case 'opportunities':
      return opportunitiesTable as EntityTable<string>;
    case 'appointments':
      return appointmentsTable as EntityTable<string>;
  }
}
const tableOf = writeThroughTableOf;

function toDate(value: unknown): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(String(value));
}

/** Locks and reads one row by our id or by GHL's id within a location. */
export async function lockWriteThroughRow(tx: Executor, entity: WriteThroughEntity, key: { id: string } | { locationId: string; ghlId: string }): Promise<WriteThroughRow | undefined> {
  const table = tableOf(entity);
  const columns = Object.keys(table.columns);
  const hasContactId = entity !== 'contacts';
  const where = 'id' in key ? sql`id = ${key.id}` : sql`location_id = ${key.locationId} and ghl_id = ${key.ghlId}`;
  const [row] = await queryRows<Record<string, unknown>>(
    tx,
    sql`select id, company_id, location_id, ghl_id, ${hasContactId ? sql`contact_id` : sql`null::text as contact_id`}, local_changes, deleted_at,
        source_updated_at, source_event_at, last_pushed_at, ${sql.join(
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
    deletedAt: toDate(row['deleted_at']),
    sourceUpdatedAt: toDate(row['source_updated_at']) ?? new Date(0),
    sourceEventAt: toDate(row['source_event_at']),
    lastPushedAt: toDate(row['last_pushed_at']),
    values: Object.fromEntries(columns.map((column) => [column, row[column] ?? null])),
  };
}

export async function saveLocalChanges(tx: Executor, entity: WriteThroughEntity, id: string, changes: LocalChanges, extra: { lastPushedAt?: Date; pushError?: string | null } = {}): Promise<void> {
  await tx.execute(
    sql`update ${sql.identifier(tableOf(entity).name)} set local_changes = ${JSON.stringify(changes)}::jsonb
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

export type RemoteMergeResult = { status: 'applied'; outcome: MergeOutcome } | { status: 'echo' | 'stale' | 'absent' };

/**
 * A GHL version the plain upsert did not apply: if the row has local edits, merge per column
 * (write-through.ts) and apply; otherwise tell why nothing happened (our echo, stale, replay).
 */
export async function mergeIntoEditedRow(
  tx: Executor,
  entity: WriteThroughEntity,
  version: EntityVersion<string>,
  options: { now: Date; generateId: IdGenerator },
): Promise<RemoteMergeResult> {
  if (!version.locationId) return { status: 'absent' };
  const row = await lockWriteThroughRow(tx, entity, { locationId: version.locationId, ghlId: version.ghlId });
  if (!row || row.deletedAt) return { status: 'absent' };
  if (Object.keys(row.localChanges).length === 0) return { status: row.lastPushedAt && !isOlder(version, row) ? 'echo' : 'stale' };
  if (isOlder(version, row)) return { status: 'stale' };
  const table = tableOf(entity);
  const outcome = mergeRemoteVersion(table.columns, row.values, row.localChanges, { values: version.values, changedAt: version.sourceUpdatedAt });
  await applyEntityVersions(tx, table, [{ ...version, values: outcome.values }], { mode: 'upsert', ...options, isMergedWithLocalChanges: true });
  await saveLocalChanges(tx, entity, row.id, outcome.changes);
  return outcome.foreignColumns.length === 0 ? { status: 'echo' } : { status: 'applied', outcome };
}

export interface PushPlan {
  entity: WriteThroughEntity;
  row: WriteThroughRow;
  action: 'create' | 'update' | 'delete';
  /** Columns to send with their values (create: every column). */
  sent: Record<string, unknown>;
}

/**
 * Starts a push: locks the row, decides what to send and marks it sent, in one short transaction
 * (the GHL call happens after it commits). Undefined when there is nothing to push.
 */
export async function beginPush(tx: Executor, entity: WriteThroughEntity, id: string): Promise<PushPlan | undefined> {
  const row = await lockWriteThroughRow(tx, entity, { id });
  if (!row) return undefined;
  const isLocalDelete = LOCAL_DELETE_KEY in row.localChanges;
  if (isLocalDelete || row.deletedAt) {
    if (!isLocalDelete) return undefined; // deleted in GHL: nothing of ours to push
    if (row.ghlId === null) {
      await saveLocalChanges(tx, entity, id, {}); // never reached GHL: the local delete is all there is
      return undefined;
    }
    return { entity, row, action: 'delete', sent: {} };
  }
  if (row.ghlId === null) {
    const { changes } = markSent(row.localChanges);
    await saveLocalChanges(tx, entity, id, changes);
    return { entity, row, action: 'create', sent: { ...row.values } };
  }
  if (Object.keys(row.localChanges).length === 0) return undefined;
  const { changes, sent } = markSent(row.localChanges);
  await saveLocalChanges(tx, entity, id, changes);
  return { entity, row, action: 'update', sent };
}

/**
 * GHL accepted the push. A create records GHL's id (dropping the copy GHL's create webhook may have
 * inserted first); GHL's answer, when it is the whole record, is merged in as the newest version.
 */
export async function confirmPush(
  tx: Executor,
  plan: PushPlan,
  result: { ghlId?: string; answer?: Omit<EntityVersion<string>, 'companyId' | 'locationId' | 'ghlId'>; now: Date; generateId: IdGenerator },
): Promise<void> {
  const table = tableOf(plan.entity);
  const row = await lockWriteThroughRow(tx, plan.entity, { id: plan.row.id });
  if (!row) return;
  if (plan.action === 'delete') {
    await saveLocalChanges(tx, plan.entity, row.id, {}, { lastPushedAt: result.now, pushError: null });
    return;
  }
  let ghlId = row.ghlId;
  if (ghlId === null && result.ghlId) {
    ghlId = result.ghlId;
    await tx.execute(sql`delete from ${sql.identifier(table.name)} where location_id = ${row.locationId} and ghl_id = ${ghlId} and id <> ${row.id}`);
    await tx.execute(sql`update ${sql.identifier(table.name)} set ghl_id = ${ghlId} where id = ${row.id}`);
  }
  const remaining = confirmSent(table.columns, row.localChanges, plan.sent);
  if (result.answer && ghlId) {
    const outcome = mergeRemoteVersion(table.columns, row.values, remaining, { values: result.answer.values, changedAt: result.answer.sourceUpdatedAt });
    await applyEntityVersions(
      tx,
      table,
      [{ ...result.answer, companyId: row.companyId, locationId: row.locationId, ghlId, values: outcome.values }],
      { mode: 'upsert', now: result.now, generateId: result.generateId, isMergedWithLocalChanges: true },
    );
    await saveLocalChanges(tx, plan.entity, row.id, outcome.changes, { lastPushedAt: result.now, pushError: null });
    return;
  }
  await saveLocalChanges(tx, plan.entity, row.id, remaining, { lastPushedAt: result.now, pushError: null });
}

/** GHL refused the push for good: the edits stay pending and the reason is shown with the record. */
export async function recordPushFailure(tx: Executor, entity: WriteThroughEntity, id: string, reason: string): Promise<void> {
  const row = await lockWriteThroughRow(tx, entity, { id });
  if (!row) return;
  const unsent = Object.fromEntries(Object.entries(row.localChanges).map(([column, { sent: _sent, ...change }]) => [column, change]));
  await saveLocalChanges(tx, entity, id, unsent, { pushError: reason.slice(0, 500) });
}

/** GHL's id of one of our contacts (null while it has not reached GHL). */
export async function findContactGhlId(tx: Executor, contactId: string): Promise<{ ghlId: string | null; isDeleted: boolean } | undefined> {
  const [row] = await queryRows<{ ghlId: string | null; deletedAt: unknown }>(tx, sql`select ghl_id as "ghlId", deleted_at as "deletedAt" from contacts where id = ${contactId}`);
  return row ? { ghlId: row.ghlId, isDeleted: row.deletedAt !== null } : undefined;
}
