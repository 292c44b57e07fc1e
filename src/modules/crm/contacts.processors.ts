import { z } from 'zod';
import type { WebhookProcessor } from '../webhooks/index.js';
import { createEntityProcessor, type CrmProcessorDeps, type EntityMapping } from './entity-processor.js';
import type { EntityTable } from './entity-versions.repo.js';
import { anyValue, optionalBoolean, optionalStringList, optionalText, parseGhlTime, requiredId } from './ghl-payload.js';

// Every processor here ignores the payload's `type`: the registry already chose it by event type, and
// GHL's examples carry missing or wrong `type` values (ghl-webhooks/README.md).

const contactPayload = z.looseObject({
  id: requiredId,
  locationId: optionalText,
  firstName: optionalText,
  lastName: optionalText,
  name: optionalText,
  email: optionalText,
  phone: optionalText,
  companyName: optionalText,
  tags: optionalStringList,
  dnd: optionalBoolean,
  dndSettings: anyValue,
  source: optionalText,
  assignedTo: optionalText,
  customFields: anyValue,
  dateAdded: anyValue,
  dateUpdated: anyValue,
});
type ContactPayload = z.infer<typeof contactPayload>;

export const contactsTable: EntityTable<
  'first_name' | 'last_name' | 'full_name' | 'email' | 'phone' | 'company_name' | 'tags' | 'is_dnd' | 'dnd_settings' | 'source' | 'assigned_to' | 'custom_fields' | 'date_added'
> = {
  name: 'contacts',
  idPrefix: 'ct',
  scope: 'location',
  writeThrough: true,
  columns: {
    first_name: { type: 'text' },
    last_name: { type: 'text' },
    full_name: { type: 'text' },
    email: { type: 'text' },
    phone: { type: 'text' },
    company_name: { type: 'text' },
    tags: { type: 'text[]', fallback: "'{}'::text[]" },
    is_dnd: { type: 'boolean', fallback: "false" },
    // Only ContactDndUpdate carries dndSettings; other contact events must not wipe it.
    dnd_settings: { type: 'jsonb', merge: 'keep-when-null' },
    source: { type: 'text' },
    assigned_to: { type: 'text' },
    custom_fields: { type: 'jsonb', fallback: "'[]'::jsonb" },
    date_added: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

export const contactMapping: EntityMapping<ContactPayload, keyof typeof contactsTable.columns> = {
  table: contactsTable,
  schema: contactPayload,
  ghlIdOf: (payload) => payload.id,
  ghlLocationIdOf: (payload) => payload.locationId,
  changeTimesOf: (payload) => [payload.dateUpdated],
  valuesOf: (payload) => ({
    first_name: payload.firstName ?? null,
    last_name: payload.lastName ?? null,
    full_name: payload.name ?? ([payload.firstName, payload.lastName].filter(Boolean).join(' ') || null),
    email: payload.email ?? null,
    phone: payload.phone ?? null,
    company_name: payload.companyName ?? null,
    tags: payload.tags ?? [],
    is_dnd: payload.dnd ?? false,
    dnd_settings: isObject(payload.dndSettings) ? payload.dndSettings : null,
    source: payload.source ?? null,
    assigned_to: payload.assignedTo ?? null,
    custom_fields: Array.isArray(payload.customFields) ? payload.customFields : [],
    date_added: parseGhlTime(payload.dateAdded) ?? null,
  }),
};

const notePayload = z.looseObject({
  id: requiredId,
  locationId: optionalText,
  contactId: optionalText,
  body: optionalText,
  dateAdded: anyValue,
  dateUpdated: anyValue,
});
type NotePayload = z.infer<typeof notePayload>;

export const notesTable: EntityTable<'contact_ghl_id' | 'body' | 'date_added'> = {
  name: 'notes',
  idPrefix: 'nt',
  scope: 'location',
  writeThrough: true,
  columns: {
    contact_ghl_id: { type: 'text', merge: 'keep-when-null' },
    body: { type: 'text' },
    date_added: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

export const noteMapping: EntityMapping<NotePayload, keyof typeof notesTable.columns> = {
  table: notesTable,
  schema: notePayload,
  ghlIdOf: (payload) => payload.id,
  ghlLocationIdOf: (payload) => payload.locationId,
  changeTimesOf: (payload) => [payload.dateUpdated],
  valuesOf: (payload) => ({ contact_ghl_id: payload.contactId ?? null, body: payload.body ?? null, date_added: parseGhlTime(payload.dateAdded) ?? null }),
};

const taskPayload = z.looseObject({
  id: requiredId,
  locationId: optionalText,
  contactId: optionalText,
  assignedTo: optionalText,
  title: optionalText,
  body: optionalText,
  completed: optionalBoolean,
  dueDate: anyValue,
  dateAdded: anyValue,
  dateUpdated: anyValue,
});
type TaskPayload = z.infer<typeof taskPayload>;

export const tasksTable: EntityTable<'contact_ghl_id' | 'assigned_to' | 'title' | 'body' | 'due_at' | 'completed_at' | 'date_added'> = {
  name: 'tasks',
  idPrefix: 'tk',
  scope: 'location',
  writeThrough: true,
  columns: {
    // Real TaskCreate deliveries lack contactId and body (highlevel-api-docs issue #332): keep what we know.
    contact_ghl_id: { type: 'text', merge: 'keep-when-null' },
    assigned_to: { type: 'text' },
    title: { type: 'text' },
    body: { type: 'text', merge: 'keep-when-null' },
    due_at: { type: 'timestamptz' },
    // TaskComplete is the only completion signal; a later event without it must not reopen the task.
    completed_at: { type: 'timestamptz', merge: 'keep-when-null' },
    date_added: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

export const taskMapping: EntityMapping<TaskPayload, keyof typeof tasksTable.columns> = {
  table: tasksTable,
  schema: taskPayload,
  ghlIdOf: (payload) => payload.id,
  ghlLocationIdOf: (payload) => payload.locationId,
  changeTimesOf: (payload) => [payload.dateUpdated],
  valuesOf: (payload, { eventType, version }) => ({
    contact_ghl_id: payload.contactId ?? null,
    assigned_to: payload.assignedTo ?? null,
    title: payload.title ?? null,
    body: payload.body ?? null,
    due_at: parseGhlTime(payload.dueDate) ?? null,
    completed_at: eventType === 'TaskComplete' || payload.completed === true ? version.sourceUpdatedAt : null,
    date_added: parseGhlTime(payload.dateAdded) ?? null,
  }),
};

export function createContactProcessors(deps: CrmProcessorDeps): Record<string, WebhookProcessor> {
  const upsertContact = createEntityProcessor(contactMapping, 'upsert', deps);
  const upsertNote = createEntityProcessor(noteMapping, 'upsert', deps);
  const upsertTask = createEntityProcessor(taskMapping, 'upsert', deps);
  return {
    ContactCreate: upsertContact,
    ContactUpdate: upsertContact,
    // Tag and DND events carry the whole contact, so they are ordinary versions of it.
    ContactTagUpdate: upsertContact,
    ContactDndUpdate: upsertContact,
    ContactDelete: createEntityProcessor(contactMapping, 'delete', deps),
    NoteCreate: upsertNote,
    NoteUpdate: upsertNote,
    NoteDelete: createEntityProcessor(noteMapping, 'delete', deps),
    TaskCreate: upsertTask,
    TaskComplete: upsertTask,
    TaskDelete: createEntityProcessor(taskMapping, 'delete', deps),
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
