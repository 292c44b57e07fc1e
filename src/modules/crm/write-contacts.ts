import type { Tx } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import type { CrmWriteDeps } from './crm-read.deps.js';
import { findContact } from './crm-read.repo.js';
import type { ContactView } from './crm-read.schemas.js';
import type { CreateContactInput, UpdateContactInput } from './crm-write.schemas.js';
import { toContactView } from './list-contacts.js';
import { mergeCustomFields } from './write-custom-fields.js';
import { changeRecord, createRecord, deleteRecord, type RecordSpec } from './write-record.js';

const contactRecord: RecordSpec<ContactView> = {
  entity: 'contacts',
  label: 'Contact',
  async read(tx, locationId, id) {
    const row = await findContact(tx, locationId, id, true);
    if (!row) throw new Error(`contact ${id} vanished after its write`);
    return toContactView(row);
  },
};

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

async function withCustomFields(tx: Tx, locationId: string, input: UpdateContactInput, stored: unknown, values: Record<string, unknown>): Promise<Result<Record<string, unknown>, 'unknown_custom_field'>> {
  if (!input.customFields) return succeed(values);
  const merged = await mergeCustomFields(tx, locationId, 'contact', stored, input.customFields);
  return merged.ok ? succeed({ ...values, custom_fields: merged.value }) : merged;
}

export async function createContact(deps: CrmWriteDeps, principal: Principal, locationId: string, input: CreateContactInput) {
  if (!input.firstName && !input.lastName && !input.email && !input.phone) return fail('contact_identity_required', 'A contact needs a name, an email or a phone number');
  return createRecord(deps, principal, locationId, contactRecord, async (tx) => {
    const values = await withCustomFields(tx, locationId, input, [], contactColumns(input, {}));
    return values.ok ? succeed({ values: values.value }) : values;
  });
}

export async function updateContact(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, input: UpdateContactInput) {
  return changeRecord(deps, principal, locationId, contactId, contactRecord, (tx, row) => withCustomFields(tx, locationId, input, row.values['custom_fields'], contactColumns(input, row.values)));
}

export async function deleteContact(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string) {
  return deleteRecord(deps, principal, locationId, contactId, contactRecord);
}
