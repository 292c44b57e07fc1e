import type { Tx } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { withVisibleLocation, type CrmWriteDeps, type VisibleLocation } from './crm-read.deps.js';
import { describeEntity } from './write-through-entities.js';
import { applyLocalDelete, applyLocalEdit, enqueuePush, insertLocalRecord, lockWriteThroughRow, type WriteThroughEntity, type WriteThroughRow } from './write-through.repo.js';

/*
 * The steps every CRM write shares, whatever the entity: in the caller's tenant transaction, write the
 * row and enqueue its push (outbox), read the record back for the answer, and wake the push workers
 * once the transaction committed.
 */

export interface RecordSpec<V> {
  entity: WriteThroughEntity;
  /** "Contact", "Project"…: for not-found messages. */
  label: string;
  /** The record as the API shows it (deleted ones included: a delete answers the tombstone). */
  read(tx: Tx, locationId: string, id: string): Promise<V>;
  /** Records reached under a parent (a contact's notes): false reads as not found. */
  belongs?(tx: Tx, row: WriteThroughRow): Promise<boolean>;
}

type NotLinked = 'not_linked';

function requireLinked(location: VisibleLocation): Result<true, NotLinked> {
  return location.ghlLocationId ? succeed(true) : fail('not_linked', 'This location is not connected to GHL');
}

/** A record created here: `prepare` validates and answers its column values (and its contact). */
export async function createRecord<V, E extends string>(
  deps: CrmWriteDeps,
  principal: Principal,
  locationId: string,
  spec: RecordSpec<V>,
  prepare: (tx: Tx) => Promise<Result<{ values: Record<string, unknown>; contactId?: string }, E>>,
): Promise<Result<V, E | NotLinked | 'not_found'>> {
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<V, E | NotLinked>> => {
    const linked = requireLinked(location);
    if (!linked.ok) return linked;
    const prepared = await prepare(tx);
    if (!prepared.ok) return prepared;
    const id = deps.generateId(describeEntity(spec.entity).idPrefix);
    const record = { id, companyId: location.companyId, locationId, contactId: prepared.value.contactId ?? null };
    await insertLocalRecord(tx, spec.entity, { ...record, values: prepared.value.values, at: deps.clock.now() });
    await enqueuePush(tx, spec.entity, record);
    return succeed(await spec.read(tx, locationId, id));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}

async function lockRecord<V>(tx: Tx, spec: RecordSpec<V>, locationId: string, recordId: string): Promise<WriteThroughRow | undefined> {
  const row = await lockWriteThroughRow(tx, spec.entity, { locationId, anyId: recordId });
  if (row && spec.belongs && !(await spec.belongs(tx, row))) return undefined;
  return row;
}

/** A change made here: `prepare` answers the changed column values (undefined = unchanged, null = cleared). */
export async function changeRecord<V, E extends string>(
  deps: CrmWriteDeps,
  principal: Principal,
  locationId: string,
  recordId: string,
  spec: RecordSpec<V>,
  prepare: (tx: Tx, row: WriteThroughRow) => Promise<Result<Record<string, unknown>, E>>,
): Promise<Result<V, E | NotLinked | 'not_found'>> {
  let isPushEnqueued = false;
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<V, E | NotLinked | 'not_found'>> => {
    const row = await lockRecord(tx, spec, locationId, recordId);
    if (!row) return fail('not_found', `${spec.label} not found`);
    const linked = requireLinked(location);
    if (!linked.ok) return linked;
    const prepared = await prepare(tx, row);
    if (!prepared.ok) return prepared;
    // Only columns whose value changes are recorded and pushed; an edit that changes nothing pushes nothing.
    const changed = await applyLocalEdit(tx, spec.entity, row, prepared.value, deps.clock.now());
    if (changed.length > 0) {
      await enqueuePush(tx, spec.entity, row);
      isPushEnqueued = true;
    }
    return succeed(await spec.read(tx, locationId, row.id));
  });
  if (isPushEnqueued) deps.onPushEnqueued?.();
  return result;
}

/** A delete made here: final at once (tombstone), pushed to GHL by the outbox. */
export async function deleteRecord<V>(deps: CrmWriteDeps, principal: Principal, locationId: string, recordId: string, spec: RecordSpec<V>): Promise<Result<V, 'not_found'>> {
  const result = await withVisibleLocation(deps, principal, locationId, async (tx): Promise<Result<V, 'not_found'>> => {
    const row = await lockRecord(tx, spec, locationId, recordId);
    if (!row) return fail('not_found', `${spec.label} not found`);
    await applyLocalDelete(tx, spec.entity, row, deps.clock.now());
    await enqueuePush(tx, spec.entity, row);
    return succeed(await spec.read(tx, locationId, row.id));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}
