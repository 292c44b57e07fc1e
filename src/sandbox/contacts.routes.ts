import { createDndSettings } from './data-generator.js';
import {
  ApiError,
  asRecord,
  createErrorBody,
  fail,
  failValidation,
  ok,
  readBoolean,
  readNumber,
  readString,
  readStringArray,
  type ApiResult,
  type RequestContext,
  type RouteDefinition,
} from './http-kit.js';
import { emitEvent, requireLocationAccess, requireRecordLocation, toIso, type SandboxRuntime } from './sandbox-runtime.js';
import type { Contact, CustomFieldValue, DndSetting, LocationData, Note, Task } from './sandbox-store.js';
import { buildContactPayload, buildNotePayload, buildTaskPayload } from './webhook-payloads.js';

const MAX_PAGE_LIMIT = 500;
/** Standard paging stops at 10,000 records; deeper pages need `searchAfter` (ghl-api.md §7.3). */
const MAX_STANDARD_PAGING_RECORDS = 10_000;

const contactJsonCache = new WeakMap<Contact, string>();

/** Contacts are replaced, never mutated, on write, so a serialization cached per object stays valid. */
function serializeContact(contact: Contact): string {
  let json = contactJsonCache.get(contact);
  if (json === undefined) {
    json = JSON.stringify(toContactJson(contact));
    contactJsonCache.set(contact, json);
  }
  return json;
}

export function toContactJson(contact: Contact): Record<string, unknown> {
  const { dateAddedMs: _added, dateUpdatedMs: _updated, ...json } = contact;
  return {
    ...json,
    firstNameLowerCase: contact.firstName.toLowerCase(),
    lastNameLowerCase: contact.lastName.toLowerCase(),
    fullNameLowerCase: contact.name.toLowerCase(),
    emailLowerCase: contact.email.toLowerCase(),
  };
}

/** GHL stores phones in E.164; bare 10-digit numbers are taken as North American. */
export function normalizePhone(raw: string): string {
  const digits = raw.replace(/[^\d+]/g, '');
  if (digits.startsWith('+')) return digits;
  if (digits.length === 10) return `+1${digits}`;
  if (digits.length === 11 && digits.startsWith('1')) return `+${digits}`;
  return digits.length > 0 ? `+${digits}` : '';
}

const WRITABLE_STRING_FIELDS = ['firstName', 'lastName', 'name', 'email', 'phone', 'address1', 'city', 'state', 'postalCode', 'website', 'timezone', 'source', 'companyName', 'assignedTo', 'country', 'dateOfBirth'] as const;

function validateContactInput(body: Record<string, unknown>): void {
  const problems: string[] = [];
  const email = body['email'];
  if (email !== undefined && email !== null && (typeof email !== 'string' || (email !== '' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)))) problems.push('email must be an email');
  const country = body['country'];
  if (country !== undefined && country !== null && (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country))) problems.push('country must be a valid enum value');
  const tags = body['tags'];
  if (tags !== undefined && (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string'))) problems.push('each value in tags must be a string');
  const customFields = body['customFields'];
  if (customFields !== undefined && !Array.isArray(customFields)) problems.push('customFields must be an array');
  if (problems.length > 0) failValidation(problems);
}

function readCustomFieldInput(data: LocationData, raw: unknown): CustomFieldValue[] {
  if (!Array.isArray(raw)) return [];
  const values: CustomFieldValue[] = [];
  for (const item of raw) {
    const entry = asRecord(item);
    let id = readString(entry, 'id');
    const key = readString(entry, 'key');
    if (!id && key) {
      for (const field of data.customFields.values()) if (field.fieldKey === key || field.fieldKey === `contact.${key}` || field.fieldKey === `opportunity.${key}`) id = field.id;
    }
    if (!id) continue;
    // Writes use `field_value`; reads answer `value` (ghl-api.md §7.3).
    values.push({ id, value: entry['field_value'] ?? entry['value'] ?? '' });
  }
  return values;
}

function mergeCustomFields(current: CustomFieldValue[], updates: CustomFieldValue[]): CustomFieldValue[] {
  const merged = new Map(current.map((field) => [field.id, field]));
  for (const update of updates) {
    if (update.value === '' || update.value === null) merged.delete(update.id);
    else merged.set(update.id, update);
  }
  return [...merged.values()];
}

function ensureLocationTags(runtime: SandboxRuntime, data: LocationData, locationId: string, tags: string[]): void {
  for (const name of tags) {
    let isKnown = false;
    for (const tag of data.tags.values()) if (tag.name === name) isKnown = true;
    if (!isKnown) {
      const id = runtime.random.createGhlId();
      data.tags.set(id, { id, name, locationId });
    }
  }
}

function applyContactFields(runtime: SandboxRuntime, data: LocationData, contact: Contact, body: Record<string, unknown>): void {
  for (const field of WRITABLE_STRING_FIELDS) {
    const value = body[field];
    if (value === undefined) continue;
    const text = typeof value === 'string' ? value : value === null ? '' : String(value);
    contact[field] = field === 'phone' ? normalizePhone(text) : field === 'email' ? text.toLowerCase() : text;
  }
  if (body['firstName'] !== undefined || body['lastName'] !== undefined) {
    if (body['name'] === undefined) contact.name = `${contact.firstName} ${contact.lastName}`.trim();
  } else if (typeof body['name'] === 'string' && !contact.firstName && !contact.lastName) {
    const [first = '', ...rest] = body['name'].split(' ');
    contact.firstName = first;
    contact.lastName = rest.join(' ');
  }
  const dnd = readBoolean(body, 'dnd');
  if (dnd !== undefined) {
    contact.dnd = dnd;
    contact.dndSettings = createDndSettings(dnd ? 'active' : 'inactive');
  }
  const dndSettings = asRecord(body['dndSettings']);
  for (const [channel, setting] of Object.entries(dndSettings)) {
    const record = asRecord(setting);
    const status = readString(record, 'status');
    if (status === 'active' || status === 'inactive' || status === 'permanent') {
      const next: DndSetting = { status, message: readString(record, 'message') ?? '', code: readString(record, 'code') ?? '' };
      contact.dndSettings = { ...contact.dndSettings, [channel]: next };
    }
  }
  const tags = readStringArray(body, 'tags');
  if (Array.isArray(body['tags']) && tags) {
    contact.tags = [...new Set(tags)];
    ensureLocationTags(runtime, data, contact.locationId, contact.tags);
  }
  if (body['customFields'] !== undefined) contact.customFields = mergeCustomFields(contact.customFields, readCustomFieldInput(data, body['customFields']));
}

function createEmptyContact(runtime: SandboxRuntime, locationId: string, nowMs: number): Contact {
  return {
    id: runtime.random.createGhlId(),
    locationId,
    firstName: '',
    lastName: '',
    name: '',
    email: '',
    phone: '',
    companyName: '',
    address1: '',
    city: '',
    state: '',
    country: '',
    postalCode: '',
    website: '',
    timezone: '',
    dnd: false,
    dndSettings: createDndSettings('inactive'),
    type: 'lead',
    source: '',
    assignedTo: '',
    tags: [],
    dateOfBirth: '',
    customFields: [],
    dateAdded: toIso(nowMs),
    dateUpdated: toIso(nowMs),
    dateAddedMs: nowMs,
    dateUpdatedMs: nowMs,
  };
}

function findDuplicate(data: LocationData, email: string | undefined, phone: string | undefined): { contact: Contact; matchingField: string } | undefined {
  if (email) {
    const id = data.contactIdByEmail.get(email.toLowerCase());
    const contact = id ? data.contacts.get(id) : undefined;
    if (contact) return { contact, matchingField: 'email' };
  }
  if (phone) {
    const id = data.contactIdByPhone.get(normalizePhone(phone));
    const contact = id ? data.contacts.get(id) : undefined;
    if (contact) return { contact, matchingField: 'phone' };
  }
  return undefined;
}

/** Creates a contact and sends ContactCreate; shared with the bulk-import simulation. */
export function insertContact(runtime: SandboxRuntime, data: LocationData, locationId: string, body: Record<string, unknown>, nowMs: number): Contact {
  const contact = createEmptyContact(runtime, locationId, nowMs);
  applyContactFields(runtime, data, contact, body);
  runtime.store.putContact(contact);
  emitEvent(runtime, locationId, buildContactPayload('ContactCreate', contact));
  return contact;
}

function createContact(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const { location, data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  validateContactInput(body);
  if (!location.settings.allowDuplicateContact) {
    const duplicate = findDuplicate(data, readString(body, 'email'), readString(body, 'phone'));
    if (duplicate) {
      throw new ApiError(400, {
        ...createErrorBody(400, 'This location does not allow duplicated contacts.'),
        meta: { contactName: duplicate.contact.name, contactId: duplicate.contact.id, matchingField: duplicate.matchingField },
      });
    }
  }
  const contact = insertContact(runtime, data, location.id, body, context.nowMs);
  return ok({ contact: toContactJson(contact) }, 201);
}

function findContact(runtime: SandboxRuntime, context: RequestContext): { contact: Contact; data: LocationData } {
  const contactId = context.params['contactId'] ?? '';
  const { data } = requireRecordLocation(runtime, context, contactId, 'Contact');
  const contact = data.contacts.get(contactId);
  if (!contact) fail(404, 'Contact not found');
  return { contact, data };
}

/** Applies an update and sends the events GHL sends for it (Update, TagUpdate, DndUpdate). */
export function updateContact(runtime: SandboxRuntime, data: LocationData, contact: Contact, body: Record<string, unknown>, nowMs: number): Contact {
  const before = JSON.stringify({ ...contact, tags: [], dnd: false, dndSettings: {}, dateUpdated: '', dateUpdatedMs: 0 });
  const tagsBefore = contact.tags.join('\u0000');
  const dndBefore = JSON.stringify([contact.dnd, contact.dndSettings]);
  const next: Contact = { ...contact };
  applyContactFields(runtime, data, next, body);
  next.dateUpdatedMs = Math.max(nowMs, contact.dateUpdatedMs + 1);
  next.dateUpdated = toIso(next.dateUpdatedMs);
  runtime.store.putContact(next);
  const after = JSON.stringify({ ...next, tags: [], dnd: false, dndSettings: {}, dateUpdated: '', dateUpdatedMs: 0 });
  if (before !== after) emitEvent(runtime, next.locationId, buildContactPayload('ContactUpdate', next));
  if (tagsBefore !== next.tags.join('\u0000')) emitEvent(runtime, next.locationId, buildContactPayload('ContactTagUpdate', next));
  if (dndBefore !== JSON.stringify([next.dnd, next.dndSettings])) emitEvent(runtime, next.locationId, buildContactPayload('ContactDndUpdate', next));
  return next;
}

function putContact(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact, data } = findContact(runtime, context);
  const body = asRecord(context.body);
  if (body['locationId'] !== undefined) failValidation(['property locationId should not exist']);
  validateContactInput(body);
  const updated = updateContact(runtime, data, contact, body, context.nowMs);
  return ok({ succeded: true, contact: toContactJson(updated) });
}

function deleteContact(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact } = findContact(runtime, context);
  runtime.store.removeContact(contact);
  emitEvent(runtime, contact.locationId, buildContactPayload('ContactDelete', contact));
  return ok({ succeded: true });
}

function upsertContact(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const { location, data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  validateContactInput(body);
  const duplicate = findDuplicate(data, readString(body, 'email'), readString(body, 'phone'));
  const allowNew = readBoolean(body, 'createNewIfDuplicateAllowed') === true && location.settings.allowDuplicateContact;
  if (duplicate && !allowNew) {
    const { locationId: _locationId, createNewIfDuplicateAllowed: _flag, ...changes } = body;
    const updated = updateContact(runtime, data, duplicate.contact, changes, context.nowMs);
    return ok({ new: false, contact: toContactJson(updated) });
  }
  const contact = insertContact(runtime, data, location.id, body, context.nowMs);
  // The spec declares only 200 for upsert, also when the contact is new.
  return ok({ new: true, contact: toContactJson(contact) });
}

// ---------- search ----------

type SortField = 'dateAdded' | 'dateUpdated' | 'firstName' | 'lastName' | 'email' | 'name';

interface SortSpec {
  field: SortField;
  isDescending: boolean;
}

const sortCache = new WeakMap<LocationData, Map<string, { version: number; contacts: Contact[] }>>();

function readSortValue(contact: Contact, field: SortField): number | string {
  if (field === 'dateAdded') return contact.dateAddedMs;
  if (field === 'dateUpdated') return contact.dateUpdatedMs;
  if (field === 'name') return contact.name.toLowerCase();
  return contact[field].toLowerCase();
}

function compareContacts(a: Contact, b: Contact, sort: SortSpec): number {
  const left = readSortValue(a, sort.field);
  const right = readSortValue(b, sort.field);
  const order = left < right ? -1 : left > right ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  return sort.isDescending ? -order : order;
}

function listSortedContacts(data: LocationData, sort: SortSpec): Contact[] {
  let byKey = sortCache.get(data);
  if (!byKey) {
    byKey = new Map();
    sortCache.set(data, byKey);
  }
  const key = `${sort.field}:${sort.isDescending ? 'desc' : 'asc'}`;
  const cached = byKey.get(key);
  if (cached && cached.version === data.contactsVersion) return cached.contacts;
  const contacts = [...data.contacts.values()].sort((a, b) => compareContacts(a, b, sort));
  byKey.set(key, { version: data.contactsVersion, contacts });
  return contacts;
}

function readFilterField(contact: Contact, field: string): unknown {
  if (field === 'dateAdded') return contact.dateAddedMs;
  if (field === 'dateUpdated') return contact.dateUpdatedMs;
  const customMatch = /^customFields?\.(.+)$/.exec(field);
  if (customMatch) return contact.customFields.find((value) => value.id === customMatch[1])?.value;
  if (field === 'tags') return contact.tags;
  return (contact as unknown as Record<string, unknown>)[field];
}

function toComparable(value: unknown, isDate: boolean): number | string | undefined {
  if (isDate) {
    if (typeof value === 'number') return value;
    if (typeof value === 'string') {
      const parsed = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
      return Number.isNaN(parsed) ? undefined : parsed;
    }
    return undefined;
  }
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? value.toLowerCase() : undefined;
}

function matchesFilter(contact: Contact, filter: Record<string, unknown>): boolean {
  const group = readString(filter, 'group');
  if (group) {
    const children = Array.isArray(filter['filters']) ? filter['filters'].map(asRecord) : [];
    return group.toUpperCase() === 'OR' ? children.some((child) => matchesFilter(contact, child)) : children.every((child) => matchesFilter(contact, child));
  }
  const field = readString(filter, 'field') ?? '';
  const operator = readString(filter, 'operator') ?? 'eq';
  const isDate = field === 'dateAdded' || field === 'dateUpdated';
  const actual = readFilterField(contact, field);
  const expected = filter['value'];
  const isEmpty = actual === undefined || actual === null || actual === '' || (Array.isArray(actual) && actual.length === 0);
  if (operator === 'exists') return !isEmpty;
  if (operator === 'not_exists') return isEmpty;
  if (Array.isArray(actual)) {
    const wanted = (Array.isArray(expected) ? expected : [expected]).map((value) => String(value).toLowerCase());
    const have = actual.map((value) => String(value).toLowerCase());
    if (operator === 'eq') return wanted.some((value) => have.includes(value));
    if (operator === 'not_eq') return !wanted.some((value) => have.includes(value));
    if (operator === 'contains') return wanted.some((value) => have.some((tag) => tag.includes(value)));
    if (operator === 'not_contains') return !wanted.some((value) => have.some((tag) => tag.includes(value)));
    return false;
  }
  const left = toComparable(actual, isDate);
  if (operator === 'range') {
    const bounds = asRecord(expected);
    if (left === undefined) return false;
    for (const [key, bound] of Object.entries(bounds)) {
      const right = toComparable(bound, isDate);
      if (right === undefined) continue;
      if (key === 'gt' && !(left > right)) return false;
      if (key === 'gte' && !(left >= right)) return false;
      if (key === 'lt' && !(left < right)) return false;
      if (key === 'lte' && !(left <= right)) return false;
    }
    return true;
  }
  const right = toComparable(expected, isDate);
  if (operator === 'eq') return left !== undefined && left === right;
  if (operator === 'not_eq') return left !== right;
  if (operator === 'contains') return typeof left === 'string' && typeof right === 'string' && left.includes(right);
  if (operator === 'not_contains') return !(typeof left === 'string' && typeof right === 'string' && left.includes(right));
  return false;
}

function readSort(body: Record<string, unknown>): SortSpec {
  const first = Array.isArray(body['sort']) ? asRecord(body['sort'][0]) : {};
  const field = readString(first, 'field');
  const direction = readString(first, 'direction');
  const allowed: SortField[] = ['dateAdded', 'dateUpdated', 'firstName', 'lastName', 'email', 'name'];
  if (field !== undefined && !allowed.includes(field as SortField)) failValidation([`sort field ${field} is not supported`]);
  // UNCONFIRMED: the default order; newest first matches the contact list in the GHL UI.
  return { field: (field as SortField | undefined) ?? 'dateAdded', isDescending: direction === undefined ? field === undefined : direction === 'desc' };
}

function searchContacts(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  if (!readString(body, 'locationId')) problems.push('locationId should not be empty');
  const pageLimit = readNumber(body, 'pageLimit');
  if (pageLimit === undefined) problems.push('pageLimit must be a number conforming to the specified constraints');
  else if (pageLimit < 1 || pageLimit > MAX_PAGE_LIMIT) problems.push(`pageLimit must not be greater than ${MAX_PAGE_LIMIT}`);
  const query = readString(body, 'query');
  if (query !== undefined && query.length > 75) problems.push('query must be shorter than or equal to 75 characters');
  if (problems.length > 0 || pageLimit === undefined) failValidation(problems);
  const { data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  const sort = readSort(body);
  const filters = Array.isArray(body['filters']) ? body['filters'].map(asRecord) : [];
  const needle = query?.toLowerCase();
  let matching = listSortedContacts(data, sort);
  if (filters.length > 0 || needle) {
    matching = matching.filter((contact) => {
      if (needle && !matchesQuery(contact, needle)) return false;
      return filters.every((filter) => matchesFilter(contact, filter));
    });
  }
  let start: number;
  const searchAfter = body['searchAfter'];
  if (Array.isArray(searchAfter) && searchAfter.length > 0) {
    const [sortValue, lastId] = searchAfter as [unknown, unknown];
    const cursor = { value: typeof sortValue === 'string' && sort.field.startsWith('date') ? Number(sortValue) : sortValue, id: String(lastId ?? '') };
    start = findCursorStart(matching, sort, cursor);
  } else {
    const page = readNumber(body, 'page') ?? 1;
    if (page < 1) failValidation(['page must not be less than 1']);
    if (page * pageLimit > MAX_STANDARD_PAGING_RECORDS) {
      failValidation([`page * pageLimit must not exceed ${MAX_STANDARD_PAGING_RECORDS}; use searchAfter for deeper pages`]);
    }
    start = (page - 1) * pageLimit;
  }
  const rows = matching.slice(start, start + pageLimit).map((contact) => `${serializeContact(contact).slice(0, -1)},"searchAfter":${JSON.stringify([readSortValue(contact, sort.field), contact.id])}}`);
  return { status: 200, body: undefined, rawJson: `{"contacts":[${rows.join(',')}],"total":${matching.length}}` };
}

const MAX_LIST_LIMIT = 100;

function matchesQuery(contact: Contact, needle: string): boolean {
  return contact.name.toLowerCase().includes(needle) || contact.email.includes(needle) || contact.phone.includes(needle) || contact.companyName.toLowerCase().includes(needle);
}

/**
 * Deprecated `GET /contacts/` (removed in v3): newest first, cursor `startAfter` (dateAdded, epoch ms) +
 * `startAfterId`. The spec answers `{contacts, count}`; the `meta` block is what integrators read for the
 * next page (ghl-api.md §7.3, third-party code; UNCONFIRMED).
 */
function listContacts(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const query = context.query;
  const limit = query.get('limit') === null ? 20 : Number(query.get('limit'));
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) failValidation([`limit must not be greater than ${MAX_LIST_LIMIT}`]);
  const { data } = requireLocationAccess(runtime, context, query.get('locationId') ?? undefined);
  const sort: SortSpec = { field: 'dateAdded', isDescending: true };
  const needle = query.get('query')?.toLowerCase();
  let matching = listSortedContacts(data, sort);
  if (needle) matching = matching.filter((contact) => matchesQuery(contact, needle));
  const startAfter = query.get('startAfter');
  const startAfterId = query.get('startAfterId');
  let start = 0;
  if (startAfter !== null && startAfterId !== null) {
    const cursorMs = Number(startAfter);
    if (!Number.isFinite(cursorMs)) failValidation(['startAfter must be a number']);
    start = findCursorStart(matching, sort, { value: cursorMs, id: startAfterId });
  }
  const rows = matching.slice(start, start + limit);
  const last = rows[rows.length - 1];
  const meta: Record<string, unknown> = { total: matching.length, currentPage: Math.floor(start / limit) + 1 };
  if (last && start + limit < matching.length) {
    const next = new URL(`${runtime.baseUrl}/contacts/`);
    for (const [key, value] of query) if (key !== 'startAfter' && key !== 'startAfterId') next.searchParams.set(key, value);
    next.searchParams.set('startAfter', String(last.dateAddedMs));
    next.searchParams.set('startAfterId', last.id);
    meta['nextPageUrl'] = next.toString();
    meta['startAfter'] = last.dateAddedMs;
    meta['startAfterId'] = last.id;
  }
  return { status: 200, body: undefined, rawJson: `{"contacts":[${rows.map(serializeContact).join(',')}],"count":${matching.length},"meta":${JSON.stringify(meta)}}` };
}

/**
 * `GET /contacts/search/duplicate`: email first, then phone (the docs' order when duplicates are allowed).
 * The spec documents no body; `{contact}` with the contact or null is an UNCONFIRMED shape.
 */
function findDuplicateContact(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data } = requireLocationAccess(runtime, context, context.query.get('locationId') ?? undefined);
  const email = context.query.get('email') ?? undefined;
  const number = context.query.get('number') ?? undefined;
  if (!email && !number) failValidation(['email or number should not be empty']);
  const duplicate = findDuplicate(data, email, number);
  return ok({ contact: duplicate ? toContactJson(duplicate.contact) : null });
}

/** Index of the first contact strictly after the cursor in sort order (binary search). */
function findCursorStart(contacts: Contact[], sort: SortSpec, cursor: { value: unknown; id: string }): number {
  let low = 0;
  let high = contacts.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const contact = contacts[middle];
    if (!contact) break;
    const value = readSortValue(contact, sort.field);
    const cursorValue = typeof value === 'number' ? Number(cursor.value) : String(cursor.value).toLowerCase();
    let order = value < cursorValue ? -1 : value > cursorValue ? 1 : contact.id < cursor.id ? -1 : contact.id > cursor.id ? 1 : 0;
    if (sort.isDescending) order = -order;
    if (order <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

// ---------- tags, notes, tasks, appointments ----------

function changeTags(runtime: SandboxRuntime, context: RequestContext, isAdding: boolean): ApiResult {
  const { contact, data } = findContact(runtime, context);
  const body = asRecord(context.body);
  const tags = body['tags'];
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) failValidation(['tags must be an array', 'each value in tags must be a string']);
  const wanted = tags as string[];
  const nextTags = isAdding ? [...new Set([...contact.tags, ...wanted])] : contact.tags.filter((tag) => !wanted.includes(tag));
  const updated = updateContact(runtime, data, contact, { tags: nextTags }, context.nowMs);
  return ok({ tags: updated.tags }, isAdding ? 201 : 200);
}

function listNotesOf(runtime: SandboxRuntime, contactId: string): Note[] {
  let notes = runtime.store.notesByContact.get(contactId);
  if (!notes) {
    notes = [];
    runtime.store.notesByContact.set(contactId, notes);
  }
  return notes;
}

function toNoteJson(note: Note): Record<string, unknown> {
  return { id: note.id, body: note.body, userId: note.userId, dateAdded: note.dateAdded, contactId: note.contactId };
}

function findNote(runtime: SandboxRuntime, context: RequestContext): { contact: Contact; note: Note; notes: Note[] } {
  const { contact } = findContact(runtime, context);
  const notes = listNotesOf(runtime, contact.id);
  const note = notes.find((candidate) => candidate.id === context.params['id']);
  if (!note) fail(404, 'Note not found');
  return { contact, note, notes };
}

function createNote(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact } = findContact(runtime, context);
  const body = asRecord(context.body);
  const text = readString(body, 'body');
  if (!text) failValidation(['body should not be empty', 'body must be a string']);
  const note: Note = { id: runtime.random.createGhlId(), contactId: contact.id, locationId: contact.locationId, body: text, userId: readString(body, 'userId') ?? '', dateAdded: toIso(context.nowMs) };
  listNotesOf(runtime, contact.id).unshift(note);
  emitEvent(runtime, contact.locationId, buildNotePayload('NoteCreate', note));
  return ok({ note: toNoteJson(note) }, 201);
}

function updateNote(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact, note } = findNote(runtime, context);
  const body = asRecord(context.body);
  const text = readString(body, 'body');
  if (text !== undefined) note.body = text;
  const userId = readString(body, 'userId');
  if (userId !== undefined) note.userId = userId;
  emitEvent(runtime, contact.locationId, buildNotePayload('NoteUpdate', note));
  return ok({ note: toNoteJson(note) });
}

function deleteNote(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact, note, notes } = findNote(runtime, context);
  notes.splice(notes.indexOf(note), 1);
  emitEvent(runtime, contact.locationId, buildNotePayload('NoteDelete', note));
  return ok({ succeded: true });
}

function listTasksOf(runtime: SandboxRuntime, contactId: string): Task[] {
  let tasks = runtime.store.tasksByContact.get(contactId);
  if (!tasks) {
    tasks = [];
    runtime.store.tasksByContact.set(contactId, tasks);
  }
  return tasks;
}

function toTaskJson(task: Task): Record<string, unknown> {
  return { id: task.id, title: task.title, body: task.body, assignedTo: task.assignedTo, dueDate: task.dueDate, completed: task.completed, contactId: task.contactId };
}

function findTask(runtime: SandboxRuntime, context: RequestContext): { contact: Contact; task: Task; tasks: Task[] } {
  const { contact } = findContact(runtime, context);
  const tasks = listTasksOf(runtime, contact.id);
  const task = tasks.find((candidate) => candidate.id === context.params['taskId']);
  if (!task) fail(404, 'Task not found');
  return { contact, task, tasks };
}

function createTask(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact } = findContact(runtime, context);
  const body = asRecord(context.body);
  const problems: string[] = [];
  const title = readString(body, 'title');
  const dueDate = readString(body, 'dueDate');
  const completed = readBoolean(body, 'completed');
  if (!title) problems.push('title should not be empty');
  if (!dueDate) problems.push('dueDate should not be empty');
  if (completed === undefined) problems.push('completed must be a boolean value');
  if (problems.length > 0 || !title || !dueDate || completed === undefined) failValidation(problems);
  const task: Task = {
    id: runtime.random.createGhlId(),
    contactId: contact.id,
    locationId: contact.locationId,
    title,
    body: readString(body, 'body') ?? '',
    assignedTo: readString(body, 'assignedTo') ?? '',
    dueDate,
    completed,
    dateAdded: toIso(context.nowMs),
  };
  listTasksOf(runtime, contact.id).push(task);
  emitEvent(runtime, contact.locationId, buildTaskPayload('TaskCreate', task));
  return ok({ task: toTaskJson(task) }, 201);
}

function updateTask(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact, task } = findTask(runtime, context);
  const body = asRecord(context.body);
  const wasCompleted = task.completed;
  for (const field of ['title', 'body', 'assignedTo', 'dueDate'] as const) {
    const value = readString(body, field);
    if (value !== undefined) task[field] = value;
  }
  const completed = readBoolean(body, 'completed');
  if (completed !== undefined) task.completed = completed;
  if (!wasCompleted && task.completed) emitEvent(runtime, contact.locationId, buildTaskPayload('TaskComplete', task));
  return ok({ task: toTaskJson(task) });
}

function completeTask(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const completed = readBoolean(asRecord(context.body), 'completed');
  if (completed === undefined) failValidation(['completed must be a boolean value']);
  return updateTask(runtime, { ...context, body: { completed } });
}

function deleteTask(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact, task, tasks } = findTask(runtime, context);
  tasks.splice(tasks.indexOf(task), 1);
  emitEvent(runtime, contact.locationId, buildTaskPayload('TaskDelete', task));
  return ok({ succeded: true });
}

function listContactAppointments(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { contact, data } = findContact(runtime, context);
  const events = [...data.events.values()]
    .filter((event) => event.contactId === contact.id && !event.isBlockSlot)
    .map((event) => ({
      id: event.id,
      calendarId: event.calendarId,
      status: event.appointmentStatus,
      title: event.title,
      assignedUserId: event.assignedUserId,
      notes: event.notes,
      startTime: event.startTime,
      endTime: event.endTime,
      address: event.address,
      locationId: event.locationId,
      contactId: event.contactId,
      groupId: event.groupId,
      appointmentStatus: event.appointmentStatus,
      users: event.users,
      dateAdded: event.dateAdded,
      dateUpdated: event.dateUpdated,
    }));
  return ok({ events });
}

export function createContactRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  const read = { family: 'contacts', tokenRequirement: 'location', scope: 'contacts.readonly' } as const;
  const write = { family: 'contacts', tokenRequirement: 'location', scope: 'contacts.write' } as const;
  return [
    { method: 'POST', path: '/contacts/', ...write, handle: (context) => createContact(runtime, context) },
    { method: 'POST', path: '/contacts/upsert', ...write, handle: (context) => upsertContact(runtime, context) },
    { method: 'GET', path: '/contacts/', ...read, handle: (context) => listContacts(runtime, context) },
    { method: 'POST', path: '/contacts/search', ...read, handle: (context) => searchContacts(runtime, context) },
    { method: 'GET', path: '/contacts/search/duplicate', ...read, handle: (context) => findDuplicateContact(runtime, context) },
    { method: 'GET', path: '/contacts/:contactId', ...read, handle: (context) => ok({ contact: toContactJson(findContact(runtime, context).contact) }) },
    { method: 'PUT', path: '/contacts/:contactId', ...write, handle: (context) => putContact(runtime, context) },
    { method: 'DELETE', path: '/contacts/:contactId', ...write, handle: (context) => deleteContact(runtime, context) },
    { method: 'POST', path: '/contacts/:contactId/tags', ...write, handle: (context) => changeTags(runtime, context, true) },
    { method: 'DELETE', path: '/contacts/:contactId/tags', ...write, handle: (context) => changeTags(runtime, context, false) },
    { method: 'GET', path: '/contacts/:contactId/notes', ...read, handle: (context) => ok({ notes: listNotesOf(runtime, findContact(runtime, context).contact.id).map(toNoteJson) }) },
    { method: 'POST', path: '/contacts/:contactId/notes', ...write, handle: (context) => createNote(runtime, context) },
    { method: 'GET', path: '/contacts/:contactId/notes/:id', ...read, handle: (context) => ok({ note: toNoteJson(findNote(runtime, context).note) }) },
    { method: 'PUT', path: '/contacts/:contactId/notes/:id', ...write, handle: (context) => updateNote(runtime, context) },
    { method: 'DELETE', path: '/contacts/:contactId/notes/:id', ...write, handle: (context) => deleteNote(runtime, context) },
    { method: 'GET', path: '/contacts/:contactId/tasks', ...read, handle: (context) => ok({ tasks: listTasksOf(runtime, findContact(runtime, context).contact.id).map(toTaskJson) }) },
    { method: 'POST', path: '/contacts/:contactId/tasks', ...write, handle: (context) => createTask(runtime, context) },
    { method: 'GET', path: '/contacts/:contactId/tasks/:taskId', ...read, handle: (context) => ok({ task: toTaskJson(findTask(runtime, context).task) }) },
    { method: 'PUT', path: '/contacts/:contactId/tasks/:taskId', ...write, handle: (context) => updateTask(runtime, context) },
    { method: 'PUT', path: '/contacts/:contactId/tasks/:taskId/completed', ...write, handle: (context) => completeTask(runtime, context) },
    { method: 'DELETE', path: '/contacts/:contactId/tasks/:taskId', ...write, handle: (context) => deleteTask(runtime, context) },
    { method: 'GET', path: '/contacts/:contactId/appointments', ...read, handle: (context) => listContactAppointments(runtime, context) },
  ];
}
