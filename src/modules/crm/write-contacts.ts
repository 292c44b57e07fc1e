import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { withVisibleLocation, type CrmWriteDeps } from './crm-read.deps.js';
import { findContact } from './crm-read.repo.js';
import type { ContactView } from './crm-read.schemas.js';
import { findRecordId } from './crm-write.repo.js';
import type { CreateContactInput, UpdateContactInput } from './crm-write.schemas.js';
import { toContactView } from './list-contacts.js';
import { mergeCustomFields } from './write-custom-fields.js';
import { applyLocalDelete, applyLocalEdit, enqueuePush, insertLocalRecord, lockWriteThroughRow } from './write-through.repo.js';

type WriteError = 'not_found' | 'not_linked' | 'unknown_custom_field' | 'contact_identity_required';

/** Column values of the given fields; undefined = not given (unchanged), null = cleared. */
function contactColumns(input: UpdateContactInput, current: { first_name?: unknown; last_name?: unknown }): Record<string, unknown> {
  const values: Record<string, unknown> = {
    first_name: input.firstName,
    last_name: input.lastName,
    email: input.email === undefined ? undefined : (input.email?.toLowerCase() ?? null),
    phone: input.phone,
    company_name: input.companyName,
    tags: input.tags,
    source: input.source,
    assigned_to: input.assignedTo,
    is_dnd: input.isDnd,
  };
  if (input.firstName !== undefined || input.lastName !== undefined) {
    const first = input.firstName !== undefined ? input.firstName : (current.first_name as string | null | undefined);
    const last = input.lastName !== undefined ? input.lastName : (current.last_name as string | null | undefined);
    values['full_name'] = [first, last].filter(Boolean).join(' ') || null;
  }
  return values;
}

export async function createContact(deps: CrmWriteDeps, principal: Principal, locationId: string, input: CreateContactInput): Promise<Result<ContactView, WriteError>> {
  if (!input.firstName && !input.lastName && !input.email && !input.phone) return fail('contact_identity_required', 'A contact needs a name, an email or a phone number');
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<ContactView, WriteError>> => {
    if (!location.ghlLocationId) return fail('not_linked', 'This location is not connected to GHL');
    const values = contactColumns(input, {});
    if (input.customFields) {
      const merged = await mergeCustomFields(tx, locationId, 'contact', [], input.customFields);
      if (!merged.ok) return merged;
      values['custom_fields'] = merged.value;
    }
    const id = deps.generateId('ct');
    const at = deps.clock.now();
    await insertLocalRecord(tx, 'contacts', { id, companyId: location.companyId, locationId, values, at });
    await enqueuePush(tx, 'contacts', { id, companyId: location.companyId, locationId });
    const row = await findContact(tx, locationId, id, false);
    if (!row) throw new Error(`contact ${id} vanished after its insert`);
    return succeed(toContactView(row));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}

export async function updateContact(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, input: UpdateContactInput): Promise<Result<ContactView, WriteError>> {
  let isPushEnqueued = false;
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<ContactView, WriteError>> => {
    const id = await findRecordId(tx, 'contacts', locationId, contactId);
    const row = id ? await lockWriteThroughRow(tx, 'contacts', { id }) : undefined;
    if (!row) return fail('not_found', 'Contact not found');
    if (!location.ghlLocationId) return fail('not_linked', 'This location is not connected to GHL');
    const values = contactColumns(input, row.values);
    if (input.customFields) {
      const merged = await mergeCustomFields(tx, locationId, 'contact', row.values['custom_fields'], input.customFields);
      if (!merged.ok) return merged;
      values['custom_fields'] = merged.value;
    }
    const changed = await applyLocalEdit(tx, 'contacts', row, values, deps.clock.now());
    if (changed.length > 0) {
      await enqueuePush(tx, 'contacts', row);
      isPushEnqueued = true;
    }
    const stored = await findContact(tx, locationId, row.id, false);
    if (!stored) throw new Error(`contact ${row.id} vanished after its update`);
    return succeed(toContactView(stored));
  });
  if (isPushEnqueued) deps.onPushEnqueued?.();
  return result;
}

export async function deleteContact(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string): Promise<Result<ContactView, 'not_found'>> {
  const result = await withVisibleLocation(deps, principal, locationId, async (tx): Promise<Result<ContactView, 'not_found'>> => {
    const id = await findRecordId(tx, 'contacts', locationId, contactId);
    const row = id ? await lockWriteThroughRow(tx, 'contacts', { id }) : undefined;
    if (!row) return fail('not_found', 'Contact not found');
    await applyLocalDelete(tx, 'contacts', row, deps.clock.now());
    await enqueuePush(tx, 'contacts', row);
    const stored = await findContact(tx, locationId, row.id, true);
    if (!stored) throw new Error(`contact ${row.id} vanished after its delete`);
    return succeed(toContactView(stored));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}
