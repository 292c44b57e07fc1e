import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import { applyEntityVersions, encodeCell, type EntityTable, type EntityVersion } from './entity-versions.repo.js';
import { enqueueJob, retryJobsNow } from '../../platform/jobs/index.js';
import { findLocationGhlLink } from '../tenants/index.js';
import { lockEditableRow, saveLocalChanges, type EditableRowKey, type WriteThroughRow } from './edited-rows.repo.js';
import { confirmSent, isSameValue, LOCAL_DELETE_KEY, markSent, mergeRemoteVersion, recordLocalEdit, toStoredValue } from './write-through.js';
import { describeEntity, WRITE_THROUGH_DESCRIPTORS, type WriteThroughEntity } from './write-through-entities.js';

export type { WriteThroughEntity };

/** Outbox job kinds: one per write-through entity (crm runs them). */
export const PUSH_JOB_KINDS: readonly string[] = WRITE_THROUGH_DESCRIPTORS.map((descriptor) => descriptor.pushJobKind);

function tableOf(entity: WriteThroughEntity): EntityTable<string> {
  return describeEntity(entity).table;
}

export interface PushPlan {
  entity: WriteThroughEntity;
  row: WriteThroughRow;
  action: 'create' | 'update' | 'delete';
  /** Columns to send with their values (create: every column). */
  sent: Record<string, unknown>;
  /** The GHL location the record lives in (null when the location was unlinked). */
  ghlLocationId: string | null;
  /** A create whose GHL call succeeded before its confirmation was recorded: GHL's id of that record. */
  createdGhlId: string | null;
}

async function findGhlLocationId(tx: Executor, locationId: string): Promise<string | null> {
  return (await findLocationGhlLink(tx, locationId))?.ghlLocationId ?? null;
}

/**
 * Starts a push: locks the row, decides what to send and marks it sent, in one short transaction
 * (the GHL call happens after it commits). Undefined when there is nothing to push.
 */
export async function beginPush(tx: Executor, entity: WriteThroughEntity, id: string): Promise<PushPlan | undefined> {
  const row = await lockEditableRow(tx, tableOf(entity), { id });
  if (!row) return undefined;
  const { createdGhlId } = row;
  const isLocalDelete = LOCAL_DELETE_KEY in row.localChanges;
  if (isLocalDelete || row.deletedAt) {
    if (!isLocalDelete) return undefined; // deleted in GHL: nothing of ours to push
    const ghlId = row.ghlId ?? createdGhlId;
    if (ghlId === null) {
      await saveLocalChanges(tx, tableOf(entity), id, {}); // never reached GHL: the local delete is all there is
      return undefined;
    }
    return { entity, row: { ...row, ghlId }, action: 'delete', sent: {}, ghlLocationId: await findGhlLocationId(tx, row.locationId), createdGhlId };
  }
  if (row.ghlId === null) {
    const { changes } = markSent(row.localChanges);
    await saveLocalChanges(tx, tableOf(entity), id, changes);
    return { entity, row, action: 'create', sent: { ...row.values }, ghlLocationId: await findGhlLocationId(tx, row.locationId), createdGhlId };
  }
  if (Object.keys(row.localChanges).length === 0) return undefined;
  const { changes, sent } = markSent(row.localChanges);
  await saveLocalChanges(tx, tableOf(entity), id, changes);
  return { entity, row, action: 'update', sent, ghlLocationId: await findGhlLocationId(tx, row.locationId), createdGhlId: null };
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
  const row = await lockEditableRow(tx, table, { id: plan.row.id });
  if (!row) return;
  // Confirmed: GHL's id of the created record is either recorded as ghl_id below or moot (deleted).
  if (row.createdGhlId !== null) await tx.execute(sql`update ${sql.identifier(table.name)} set created_ghl_id = null where id = ${row.id}`);
  if (plan.action === 'delete') {
    await saveLocalChanges(tx, table, row.id, {}, { lastPushedAt: result.now, pushError: null });
    return;
  }
  let ghlId = row.ghlId;
  if (ghlId === null && result.ghlId) {
    ghlId = result.ghlId;
    await tx.execute(sql`delete from ${sql.identifier(table.name)} where location_id = ${row.locationId} and ghl_id = ${ghlId} and id <> ${row.id}`);
    await tx.execute(sql`update ${sql.identifier(table.name)} set ghl_id = ${ghlId} where id = ${row.id}`);
  }
  const remaining = confirmSent(table.columns, row.localChanges, plan.sent);
  // A column GHL won while this push was in flight (newer change there) was just overwritten by
  // the push: put GHL's winning value back, so both sides end on the rule's outcome.
  const overwritten = plan.action === 'update' ? Object.keys(plan.sent).filter((column) => !(column in row.localChanges) && !isSameValue(table.columns[column]?.type ?? 'jsonb', row.values[column], plan.sent[column])) : [];
  for (const column of overwritten) {
    remaining[column] = { value: toStoredValue(table.columns[column]?.type ?? 'jsonb', row.values[column]), base: plan.sent[column], at: result.now.toISOString() };
  }
  if (overwritten.length > 0) await enqueuePush(tx, plan.entity, row);
  if (result.answer && ghlId) {
    const outcome = mergeRemoteVersion(table.columns, row.values, remaining, { values: result.answer.values, changedAt: result.answer.sourceUpdatedAt });
    await applyEntityVersions(
      tx,
      table,
      [{ ...result.answer, companyId: row.companyId, locationId: row.locationId, ghlId, values: outcome.values }],
      { mode: 'upsert', now: result.now, generateId: result.generateId, isMergedWithLocalChanges: true },
    );
    await saveLocalChanges(tx, table, row.id, outcome.changes, { lastPushedAt: result.now, pushError: null });
    return;
  }
  await saveLocalChanges(tx, table, row.id, remaining, { lastPushedAt: result.now, pushError: null });
}

/**
 * Records GHL's id of a record a push just created, in its own short transaction before anything
 * else: a crash or a failed confirmation after this point never creates the record twice.
 */
export async function recordCreatedGhlId(tx: Executor, entity: WriteThroughEntity, id: string, ghlId: string, at: Date): Promise<void> {
  await tx.execute(
    sql`update ${sql.identifier(tableOf(entity).name)}
      set created_ghl_id = ${ghlId}, updated_at = ${at.toISOString()}::timestamptz where id = ${id}`,
  );
}

/** GHL refused the push for good: the edits stay pending and the reason is shown with the record. */
export async function recordPushFailure(tx: Executor, entity: WriteThroughEntity, id: string, reason: string): Promise<void> {
  const row = await lockEditableRow(tx, tableOf(entity), { id });
  if (!row) return;
  const unsent = Object.fromEntries(Object.entries(row.localChanges).map(([column, { sent: _sent, ...change }]) => [column, change]));
  await saveLocalChanges(tx, tableOf(entity), id, unsent, { pushError: reason.slice(0, 500) });
}

/** GHL's id of one of our contacts (null while it has not reached GHL). */
export async function findContactGhlId(tx: Executor, contactId: string): Promise<{ ghlId: string | null; isDeleted: boolean } | undefined> {
  const [row] = await queryRows<{ ghlId: string | null; deletedAt: unknown }>(tx, sql`select ghl_id as "ghlId", deleted_at as "deletedAt" from contacts where id = ${contactId}`);
  return row ? { ghlId: row.ghlId, isDeleted: row.deletedAt !== null } : undefined;
}

/**
 * Inserts a record created here: no GHL id yet, every given column pending. `source_updated_at` is
 * the epoch ("no GHL version yet"), so the first version GHL sends back is never older than ours.
 */
export async function insertLocalRecord(
  tx: Executor,
  entity: WriteThroughEntity,
  input: { id: string; companyId: string; locationId: string; contactId?: string | null; values: Record<string, unknown>; at: Date },
): Promise<void> {
  const table = tableOf(entity);
  const columns = Object.keys(table.columns).filter((column) => input.values[column] !== undefined);
  const { changes } = recordLocalEdit(table.columns, {}, {}, input.values, input.at);
  const at = input.at.toISOString();
  const { belongsToContact } = describeEntity(entity);
  const extraColumns = belongsToContact ? [sql`contact_id`] : [];
  const extraValues = belongsToContact ? [sql`${input.contactId ?? null}`] : [];
  await tx.execute(
    sql`insert into ${sql.identifier(table.name)} (id, company_id, location_id, ghl_id, ${sql.join(
      [...columns.map((column) => sql.identifier(column)), ...extraColumns],
      sql`, `,
    )}${columns.length + extraColumns.length > 0 ? sql`,` : sql``} source_updated_at, raw, local_changes, created_at, updated_at)
      values (${input.id}, ${input.companyId}, ${input.locationId}, null, ${sql.join(
        [...columns.map((column) => encodeCell(table.columns[column] as EntityTable<string>['columns'][string], input.values[column])), ...extraValues],
        sql`, `,
      )}${columns.length + extraValues.length > 0 ? sql`,` : sql``} 'epoch'::timestamptz, '{}'::jsonb, ${JSON.stringify(changes)}::jsonb, ${at}::timestamptz, ${at}::timestamptz)`,
  );
}

/** Applies an edit made here to the row's columns and records what GHL still has to receive. */
export async function applyLocalEdit(tx: Executor, entity: WriteThroughEntity, row: WriteThroughRow, edited: Record<string, unknown>, at: Date): Promise<string[]> {
  const table = tableOf(entity);
  const { changes, changedColumns } = recordLocalEdit(table.columns, row.localChanges, row.values, edited, at);
  if (changedColumns.length === 0) return [];
  const assignments = changedColumns.map((column) => sql`${sql.identifier(column)} = ${encodeCell(table.columns[column] as EntityTable<string>['columns'][string], edited[column])}`);
  await tx.execute(
    sql`update ${sql.identifier(table.name)} set ${sql.join(assignments, sql`, `)}, local_changes = ${JSON.stringify(changes)}::jsonb, push_error = null,
      updated_at = ${at.toISOString()}::timestamptz where id = ${row.id}`,
  );
  return changedColumns;
}

/** A delete made here: the tombstone is final at once; the push deletes the record in GHL. */
export async function applyLocalDelete(tx: Executor, entity: WriteThroughEntity, row: WriteThroughRow, at: Date): Promise<void> {
  const changes = { ...row.localChanges, [LOCAL_DELETE_KEY]: { value: true, base: false, at: at.toISOString() } };
  await tx.execute(
    sql`update ${sql.identifier(tableOf(entity).name)} set deleted_at = ${at.toISOString()}::timestamptz, local_changes = ${JSON.stringify(changes)}::jsonb,
      push_error = null, updated_at = ${at.toISOString()}::timestamptz where id = ${row.id}`,
  );
}

/**
 * The outbox entry, in the caller's transaction: the push exists exactly when the edit committed.
 * Pushes of one record run in order (ordering key); a push that finds nothing left to send is a no-op.
 */
export async function enqueuePush(tx: Executor, entity: WriteThroughEntity, row: { id: string; companyId: string; locationId: string; contactId?: string | null }): Promise<string> {
  const job = await enqueueJob(tx, {
    kind: describeEntity(entity).pushJobKind,
    payload: { entity, id: row.id },
    companyId: row.companyId,
    locationId: row.locationId,
    // A record created here for a contact created here queues behind that contact's pushes, so the
    // contact exists in GHL first (however long an outage delays it).
    orderingKey: `crm.push:${row.contactId ?? row.id}`,
    priority: 5,
    // Enough attempts to outlast a GHL outage of about a day with the runner's capped backoff.
    maxAttempts: 30,
  });
  return job.id;
}

/**
 * After a (re)install: one push per record whose edits GHL has not confirmed, so edits whose pushes
 * gave up while the app had no access go out now. Pushes with nothing left to send are no-ops.
 */
export async function requeueUnconfirmedEdits(tx: Executor, locationId: string): Promise<number> {
  // Pushes still waiting out their backoff would hold the new ones behind them (same ordering key).
  await retryJobsNow(tx, { kinds: PUSH_JOB_KINDS, locationId });
  let queued = 0;
  for (const { entity, table, belongsToContact } of WRITE_THROUGH_DESCRIPTORS) {
    const rows = await queryRows<{ id: string; companyId: string; locationId: string; contactId: string | null }>(
      tx,
      sql`select id, company_id as "companyId", location_id as "locationId", ${belongsToContact ? sql`contact_id` : sql`null::text`} as "contactId"
        from ${sql.identifier(table.name)} where location_id = ${locationId} and local_changes <> '{}'::jsonb order by created_at, id`,
    );
    for (const row of rows) await enqueuePush(tx, entity, row);
    queued += rows.length;
  }
  return queued;
}


/** Locks and reads one row of a write-through table. */
export function lockWriteThroughRow(tx: Executor, entity: WriteThroughEntity, key: EditableRowKey): Promise<WriteThroughRow | undefined> {
  return lockEditableRow(tx, tableOf(entity), key);
}

export type { WriteThroughRow };
