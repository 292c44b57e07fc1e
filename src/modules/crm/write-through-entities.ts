import { appointmentMapping, appointmentsTable } from './appointments.processors.js';
import { contactMapping, contactsTable, noteMapping, notesTable, taskMapping, tasksTable } from './contacts.processors.js';
import type { EntityMapping } from './entity-processor.js';
import type { EntityTable } from './entity-versions.repo.js';
import type { GhlAnswer, GhlGateway } from './ghl-gateway.js';
import { opportunitiesTable, opportunityMapping } from './opportunities.processors.js';
import { APPOINTMENT_WRITERS, CONTACT_WRITERS, NOTE_WRITERS, OPPORTUNITY_WRITERS, TASK_WRITERS, type ColumnWriter } from './push/ghl-push-bodies.js';

/*
 * One descriptor per entity the CRM API writes through to GHL: its table, the id prefix of records
 * created here, its outbox job kind, how GHL's records read into columns and columns into GHL
 * bodies, the GHL calls that create, read, update and delete it, and how a create that crashed
 * before its confirmation is found again. Adding an entity edits this file (and the gateway port
 * when it needs new GHL calls); everything else iterates over WRITE_THROUGH_ENTITIES.
 */

export type WriteThroughEntity = 'contacts' | 'opportunities' | 'appointments' | 'notes' | 'tasks';

/** GHL's answer reduced to the record's id and its fields. */
export interface RecordAnswer {
  id: string;
  record: Record<string, unknown>;
}

/** Where a record lives in GHL: its location, and its contact for records GHL addresses under one. */
export interface RemoteAddress {
  ghlLocationId: string;
  contactGhlId: string | null;
}

export interface RemoteRecordCalls {
  get(gateway: GhlGateway, at: RemoteAddress, ghlId: string): Promise<GhlAnswer<RecordAnswer>>;
  create(gateway: GhlGateway, at: RemoteAddress, body: Record<string, unknown>): Promise<GhlAnswer<RecordAnswer>>;
  update(gateway: GhlGateway, at: RemoteAddress, ghlId: string, body: Record<string, unknown>): Promise<GhlAnswer<RecordAnswer>>;
  delete(gateway: GhlGateway, at: RemoteAddress, ghlId: string): Promise<GhlAnswer<unknown>>;
}

/** A create whose GHL answer was lost: what identifies the record, created after `sinceMs`. */
export interface CreatedRecordQuery {
  at: RemoteAddress;
  values: Record<string, unknown>;
  sinceMs: number;
}

export interface WriteThroughDescriptor {
  entity: WriteThroughEntity;
  table: EntityTable<string>;
  /** Prefix of our ids for records created here. */
  idPrefix: string;
  /** The outbox job that pushes one record (`crm.push-<entity>`). */
  pushJobKind: string;
  /** GHL record → column values (the webhook mapping). */
  mapping: EntityMapping<unknown, string>;
  /** Column → GHL body field. */
  writers: Record<string, ColumnWriter>;
  /** Records of a contact carry `contact_id` (every entity but contacts). */
  belongsToContact: boolean;
  /** GHL addresses it under its contact's path (notes, tasks): every call needs the contact's GHL id. */
  isAddressedUnderContact: boolean;
  /** A REST record reshaped as the webhook payload the mapping reads. */
  toWebhookPayload(record: Record<string, unknown>, ghlLocationId: string): Record<string, unknown>;
  /** Fields a create sends beside the columns (its contact, defaults GHL requires). */
  completeCreateBody?(body: Record<string, unknown>, values: Record<string, unknown>, contactGhlId: string | null): void;
  remote: RemoteRecordCalls;
  /** Undefined: nothing identifies a record of this kind (created_ghl_id covers all but an instant). */
  findCreated?(gateway: GhlGateway, query: CreatedRecordQuery): Promise<RecordAnswer | undefined>;
  /** Its row in sync health (GET /api/sync/health/:locationId lists entities by this position). */
  syncHealth: { position: number };
  /** Columns GHL's answer cannot tell (tasks: only whether completed, not when): ours stay. */
  columnsKeptFromAnswer?: readonly string[];
}

function unwrap<K extends string>(result: GhlAnswer<Partial<Record<K, { id: string }>>>, key: K): GhlAnswer<RecordAnswer> {
  if (!result.ok) return result;
  const record = result.data[key];
  return record && typeof record.id === 'string' ? { ok: true, status: result.status, data: { id: record.id, record: record as unknown as Record<string, unknown> } } : missingRecord(result.status);
}

function unwrapBare(result: GhlAnswer<{ id: string }>): GhlAnswer<RecordAnswer> {
  if (!result.ok) return result;
  return typeof result.data.id === 'string' ? { ok: true, status: result.status, data: { id: result.data.id, record: result.data as unknown as Record<string, unknown> } } : missingRecord(result.status);
}

function missingRecord(status: number): GhlAnswer<RecordAnswer> {
  return { ok: false, error: { status: 502, code: 'server_error', message: `GHL answered ${status} without the record` } };
}

function contactOf(at: RemoteAddress): string {
  if (!at.contactGhlId) throw new Error('a note or task without its contact’s GHL id cannot be pushed');
  return at.contactGhlId;
}

const asRecord = (record: object): Record<string, unknown> => record as Record<string, unknown>;
const isAfter = (sinceMs: number, time: unknown) => typeof time === 'string' && new Date(time).getTime() >= sinceMs;
const flat = (record: Record<string, unknown>, ghlLocationId: string) => ({ ...record, locationId: ghlLocationId });
const asMapping = (mapping: object) => mapping as EntityMapping<unknown, string>;
const asTable = (table: object) => table as EntityTable<string>;

const contacts: WriteThroughDescriptor = {
  entity: 'contacts',
  syncHealth: { position: 0 },
  table: asTable(contactsTable),
  idPrefix: 'ct',
  pushJobKind: 'crm.push-contact',
  mapping: asMapping(contactMapping),
  writers: CONTACT_WRITERS,
  belongsToContact: false,
  isAddressedUnderContact: false,
  toWebhookPayload: flat,
  remote: {
    get: async (gateway, at, ghlId) => unwrap(await gateway.getContact(at.ghlLocationId, ghlId), 'contact'),
    create: async (gateway, at, body) => unwrap(await gateway.createContact(at.ghlLocationId, body), 'contact'),
    update: async (gateway, at, ghlId, body) => unwrap(await gateway.updateContact(at.ghlLocationId, ghlId, body), 'contact'),
    delete: (gateway, at, ghlId) => gateway.deleteContact(at.ghlLocationId, ghlId),
  },
  async findCreated(gateway, { at, values, sinceMs }) {
    const email = typeof values['email'] === 'string' ? values['email'] : undefined;
    const phone = typeof values['phone'] === 'string' ? values['phone'] : undefined;
    if (!email && !phone) return undefined;
    const filter = email ? { field: 'email', operator: 'eq', value: email } : { field: 'phone', operator: 'eq', value: phone };
    const found = await gateway.searchContacts(at.ghlLocationId, { pageLimit: 10, filters: [filter] });
    const match = found.ok ? found.data.contacts.find((contact) => isAfter(sinceMs, contact.dateAdded)) : undefined;
    return match ? { id: match.id, record: asRecord(match) } : undefined;
  },
};

const opportunities: WriteThroughDescriptor = {
  entity: 'opportunities',
  syncHealth: { position: 1 },
  table: asTable(opportunitiesTable),
  idPrefix: 'op',
  pushJobKind: 'crm.push-opportunity',
  mapping: asMapping(opportunityMapping),
  writers: OPPORTUNITY_WRITERS,
  belongsToContact: true,
  isAddressedUnderContact: false,
  toWebhookPayload: flat,
  completeCreateBody(body, values, contactGhlId) {
    if (contactGhlId) body['contactId'] = contactGhlId;
    body['status'] ??= 'open';
    if (typeof values['source'] === 'string') body['source'] = values['source'];
  },
  remote: {
    get: async (gateway, at, ghlId) => unwrap(await gateway.getOpportunity(at.ghlLocationId, ghlId), 'opportunity'),
    create: async (gateway, at, body) => unwrap(await gateway.createOpportunity(at.ghlLocationId, body), 'opportunity'),
    update: async (gateway, at, ghlId, body) => unwrap(await gateway.updateOpportunity(at.ghlLocationId, ghlId, body), 'opportunity'),
    delete: (gateway, at, ghlId) => gateway.deleteOpportunity(at.ghlLocationId, ghlId),
  },
  async findCreated(gateway, { at, values, sinceMs }) {
    if (!at.contactGhlId) return undefined;
    const found = await gateway.searchOpportunities(at.ghlLocationId, { contactId: at.contactGhlId, status: 'all', limit: 100 });
    const match = found.ok ? found.data.opportunities.find((item) => item.name === values['name'] && item.pipelineId === values['pipeline_id'] && isAfter(sinceMs, item.createdAt)) : undefined;
    return match ? { id: match.id, record: asRecord(match) } : undefined;
  },
};

const appointments: WriteThroughDescriptor = {
  entity: 'appointments',
  syncHealth: { position: 2 },
  table: asTable(appointmentsTable),
  idPrefix: 'ap',
  pushJobKind: 'crm.push-appointment',
  mapping: asMapping(appointmentMapping),
  writers: APPOINTMENT_WRITERS,
  belongsToContact: true,
  isAddressedUnderContact: false,
  // Webhooks nest the appointment under `appointment`.
  toWebhookPayload: (record, ghlLocationId) => ({ locationId: ghlLocationId, appointment: { ...record, locationId: ghlLocationId } }),
  completeCreateBody(body, _values, contactGhlId) {
    if (contactGhlId) body['contactId'] = contactGhlId;
  },
  remote: {
    async get(gateway, at, ghlId) {
      const result = await gateway.getAppointment(at.ghlLocationId, ghlId);
      if (!result.ok) return result;
      const record = result.data.event ?? result.data.appointment;
      return record ? { ok: true, status: result.status, data: { id: record.id, record: asRecord(record) } } : unwrapBare({ ...result, data: result.data as { id: string } });
    },
    create: async (gateway, at, body) => unwrapBare(await gateway.createAppointment(at.ghlLocationId, body)),
    update: async (gateway, at, ghlId, body) => unwrapBare(await gateway.updateAppointment(at.ghlLocationId, ghlId, body)),
    delete: (gateway, at, ghlId) => gateway.deleteCalendarEvent(at.ghlLocationId, ghlId),
  },
  async findCreated(gateway, { at, values }) {
    const calendarId = values['calendar_id'];
    const start = values['start_time'] instanceof Date ? values['start_time'] : typeof values['start_time'] === 'string' ? new Date(values['start_time']) : undefined;
    if (typeof calendarId !== 'string' || !start || !at.contactGhlId) return undefined;
    const found = await gateway.listCalendarEvents(at.ghlLocationId, { calendarId, startTimeMs: start.getTime() - 1, endTimeMs: start.getTime() + 60_000 });
    const match = found.ok ? found.data.events.find((event) => event.contactId === at.contactGhlId && event.startTime !== undefined && new Date(event.startTime).getTime() === start.getTime()) : undefined;
    return match ? { id: match.id, record: asRecord(match) } : undefined;
  },
};

const notes: WriteThroughDescriptor = {
  entity: 'notes',
  syncHealth: { position: 6 },
  table: asTable(notesTable),
  idPrefix: 'nt',
  pushJobKind: 'crm.push-note',
  mapping: asMapping(noteMapping),
  writers: NOTE_WRITERS,
  belongsToContact: true,
  isAddressedUnderContact: true,
  toWebhookPayload: flat,
  remote: {
    get: async (gateway, at, ghlId) => unwrap(await gateway.getNote(at.ghlLocationId, contactOf(at), ghlId), 'note'),
    create: async (gateway, at, body) => unwrap(await gateway.createNote(at.ghlLocationId, contactOf(at), body), 'note'),
    update: async (gateway, at, ghlId, body) => unwrap(await gateway.updateNote(at.ghlLocationId, contactOf(at), ghlId, body), 'note'),
    delete: (gateway, at, ghlId) => gateway.deleteNote(at.ghlLocationId, contactOf(at), ghlId),
  },
};

const tasks: WriteThroughDescriptor = {
  entity: 'tasks',
  syncHealth: { position: 7 },
  table: asTable(tasksTable),
  idPrefix: 'tk',
  pushJobKind: 'crm.push-task',
  mapping: asMapping(taskMapping),
  writers: TASK_WRITERS,
  belongsToContact: true,
  isAddressedUnderContact: true,
  toWebhookPayload: flat,
  columnsKeptFromAnswer: ['completed_at'],
  completeCreateBody(body) {
    body['completed'] ??= false;
  },
  remote: {
    get: async (gateway, at, ghlId) => unwrap(await gateway.getTask(at.ghlLocationId, contactOf(at), ghlId), 'task'),
    create: async (gateway, at, body) => unwrap(await gateway.createTask(at.ghlLocationId, contactOf(at), body), 'task'),
    update: async (gateway, at, ghlId, body) => unwrap(await gateway.updateTask(at.ghlLocationId, contactOf(at), ghlId, body), 'task'),
    delete: (gateway, at, ghlId) => gateway.deleteTask(at.ghlLocationId, contactOf(at), ghlId),
  },
};

export const WRITE_THROUGH_ENTITIES: Readonly<Record<WriteThroughEntity, WriteThroughDescriptor>> = { contacts, opportunities, appointments, notes, tasks };

export const WRITE_THROUGH_DESCRIPTORS: readonly WriteThroughDescriptor[] = Object.values(WRITE_THROUGH_ENTITIES);

export function describeEntity(entity: WriteThroughEntity): WriteThroughDescriptor {
  return WRITE_THROUGH_ENTITIES[entity];
}

/**
 * The body of a create (every column with a value, plus what the entity adds) or an update (the
 * changed columns only). `values` is the whole row, for fields that travel together (start and end).
 */
export function buildPushBody(
  descriptor: WriteThroughDescriptor,
  action: 'create' | 'update',
  columns: Record<string, unknown>,
  values: Record<string, unknown>,
  contactGhlId: string | null,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(columns)) {
    if (action === 'create' && (value === null || value === undefined)) continue;
    descriptor.writers[column]?.(body, value, values);
  }
  if (action === 'create') descriptor.completeCreateBody?.(body, values, contactGhlId);
  return body;
}
