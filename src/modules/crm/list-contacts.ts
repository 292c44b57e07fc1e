import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { apiNamesOf, CONTACT_FIELDS, NOTE_FIELDS, TASK_FIELDS } from './crm-write.fields.js';
import { toSyncStateView } from './write-through.js';
import { toIso, toSourceTime, withVisibleLocation, type CrmReadDeps } from './crm-read.deps.js';
import { CONTACT_COUNT_CAP, findContact, selectContactNotes, selectContactTasks, selectContacts, type ContactRow, type ContactListKey, type NoteRow, type PageInput, type TaskRow } from './crm-read.repo.js';
import type { ContactDetail, ContactPage, ContactView, NoteView, TaskView } from './crm-read.schemas.js';
import { decodeContactCursor, encodeContactCursor, type ContactSort, type SortOrder } from './contact-cursor.js';

const CONTACT_FIELDS_NAMES = apiNamesOf(CONTACT_FIELDS);

export function toContactView(row: ContactRow): ContactView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    firstName: row.firstName,
    lastName: row.lastName,
    fullName: row.fullName,
    email: row.email,
    phone: row.phone,
    companyName: row.companyName,
    tags: row.tags,
    isDnd: row.isDnd,
    source: row.source,
    assignedTo: row.assignedTo,
    dateAdded: toIso(row.dateAdded),
    sourceUpdatedAt: toSourceTime(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
    sync: toSyncStateView(row, CONTACT_FIELDS_NAMES),
  };
}

const NOTE_FIELDS_NAMES = apiNamesOf(NOTE_FIELDS);
const TASK_FIELDS_NAMES = apiNamesOf(TASK_FIELDS);

export function toNoteView(row: NoteRow): NoteView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    body: row.body,
    dateAdded: toIso(row.dateAdded),
    sourceUpdatedAt: toSourceTime(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
    sync: toSyncStateView(row, NOTE_FIELDS_NAMES),
  };
}

export function toTaskView(row: TaskRow): TaskView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    title: row.title,
    body: row.body,
    assignedTo: row.assignedTo,
    dueAt: toIso(row.dueAt),
    completedAt: toIso(row.completedAt),
    isCompleted: row.completedAt !== null,
    dateAdded: toIso(row.dateAdded),
    sourceUpdatedAt: toSourceTime(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
    sync: toSyncStateView(row, TASK_FIELDS_NAMES),
  };
}

/** GHL custom fields are `[{ id, value }]`; values set here by key read `[{ key, value }]` until pushed. */
function readCustomFields(value: unknown): { id: string | null; key: string | null; value: unknown }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((field: unknown) => {
    if (typeof field !== 'object' || field === null) return [];
    const { id, key, value: fieldValue } = field as { id?: unknown; key?: unknown; value?: unknown };
    if (typeof id !== 'string' && typeof key !== 'string') return [];
    return [{ id: typeof id === 'string' ? id : null, key: typeof key === 'string' ? key : null, value: fieldValue ?? null }];
  });
}

export { CONTACT_COUNT_CAP };

export type ListContactsInput = PageInput & { q?: string | undefined; tag?: string | undefined; sort: ContactSort; order: SortOrder; after?: string | undefined };

/**
 * `isTotalExact` false: more contacts match than were counted (CONTACT_COUNT_CAP, or the end of this
 * page if further), and `total` is a lower bound that exceeds offset + limit, so "another page exists
 * while offset + limit < total" still holds. The route sends it as the `X-Total-Exact` header.
 */
export async function listContacts(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  input: ListContactsInput,
): Promise<Result<{ page: ContactPage; isTotalExact: boolean }, 'not_found' | 'invalid_cursor'>> {
  let after: ContactListKey | undefined;
  if (input.after !== undefined) {
    if (input.offset !== 0) return fail('invalid_cursor', '`after` continues a list by itself: send it without `offset`');
    after = decodeContactCursor(input.after, input.sort, input.order);
    if (after === undefined) return fail('invalid_cursor', '`after` is not a cursor of this list: pass the `nextCursor` of a page with the same sort and order');
  }
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const { rows, nextKey, total, isTotalExact } = await selectContacts(tx, locationId, { ...input, after });
    const nextCursor = nextKey === null ? null : encodeContactCursor(input.sort, input.order, nextKey);
    return succeed({ page: { items: rows.map(toContactView), total, limit: input.limit, offset: input.offset, nextCursor }, isTotalExact });
  });
}

export async function getContact(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  contactId: string,
  input: { includeDeleted: boolean },
): Promise<Result<ContactDetail, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const row = await findContact(tx, locationId, contactId, input.includeDeleted);
    if (!row) return fail('not_found', 'Contact not found');
    const [noteRows, taskRows] = [await selectContactNotes(tx, locationId, row, input.includeDeleted), await selectContactTasks(tx, locationId, row, input.includeDeleted)];
    return succeed({ ...toContactView(row), customFields: readCustomFields(row.customFields), notes: noteRows.map(toNoteView), tasks: taskRows.map(toTaskView) });
  });
}
