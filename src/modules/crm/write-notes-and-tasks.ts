import type { Tx } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import type { CrmWriteDeps } from './crm-read.deps.js';
import { findNoteById, findTaskById } from './crm-read.repo.js';
import type { NoteView, TaskView } from './crm-read.schemas.js';
import { findLinkableContact } from './crm-write.repo.js';
import type { CreateTaskInput, NoteInput, UpdateTaskInput } from './crm-write.schemas.js';
import { toNoteView, toTaskView } from './list-contacts.js';
import { changeRecord, createRecord, deleteRecord, type RecordSpec } from './write-record.js';
import type { WriteThroughRow } from './write-through.repo.js';

/*
 * Notes and tasks of a contact, written through to GHL like every CRM record. They are reached under
 * their contact (our id or GHL's); one of another contact reads as not found.
 */

type ContactRef = { id: string; ghlId: string | null };

function belongsTo(locationId: string, contactId: string) {
  return async (tx: Tx, row: WriteThroughRow): Promise<boolean> => {
    const contact = await findLinkableContact(tx, locationId, contactId);
    if (!contact) return false;
    return row.contactId === contact.id || (contact.ghlId !== null && row.values['contact_ghl_id'] === contact.ghlId);
  };
}

function noteRecord(locationId: string, contactId: string): RecordSpec<NoteView> {
  return {
    entity: 'notes',
    label: 'Note',
    belongs: belongsTo(locationId, contactId),
    async read(tx, location, id) {
      const row = await findNoteById(tx, location, id);
      if (!row) throw new Error(`note ${id} vanished after its write`);
      return toNoteView(row);
    },
  };
}

function taskRecord(locationId: string, contactId: string): RecordSpec<TaskView> {
  return {
    entity: 'tasks',
    label: 'Task',
    belongs: belongsTo(locationId, contactId),
    async read(tx, location, id) {
      const row = await findTaskById(tx, location, id);
      if (!row) throw new Error(`task ${id} vanished after its write`);
      return toTaskView(row);
    },
  };
}

async function contactOf(tx: Tx, locationId: string, contactId: string): Promise<Result<ContactRef, 'not_found'>> {
  const contact = await findLinkableContact(tx, locationId, contactId);
  return contact ? succeed(contact) : fail('not_found', 'Contact not found');
}

export async function createNote(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, input: NoteInput) {
  return createRecord(deps, principal, locationId, noteRecord(locationId, contactId), async (tx) => {
    const contact = await contactOf(tx, locationId, contactId);
    if (!contact.ok) return contact;
    return succeed({ values: { body: input.body, contact_ghl_id: contact.value.ghlId }, contactId: contact.value.id });
  });
}

export async function updateNote(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, noteId: string, input: NoteInput) {
  return changeRecord<NoteView, never>(deps, principal, locationId, noteId, noteRecord(locationId, contactId), () => Promise.resolve(succeed({ body: input.body })));
}

export async function deleteNote(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, noteId: string) {
  return deleteRecord(deps, principal, locationId, noteId, noteRecord(locationId, contactId));
}

export async function createTask(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, input: CreateTaskInput) {
  return createRecord(deps, principal, locationId, taskRecord(locationId, contactId), async (tx) => {
    const contact = await contactOf(tx, locationId, contactId);
    if (!contact.ok) return contact;
    const values = { title: input.title, body: input.body, due_at: new Date(input.dueAt), assigned_to: input.assignedTo, contact_ghl_id: contact.value.ghlId };
    return succeed({ values, contactId: contact.value.id });
  });
}

export async function updateTask(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, taskId: string, input: UpdateTaskInput) {
  return changeRecord<TaskView, never>(deps, principal, locationId, taskId, taskRecord(locationId, contactId), (_tx, row) => {
    // Completing keeps an existing completion time; reopening clears it.
    const isCompleted = row.values['completed_at'] !== null;
    const completedAt = input.completed === undefined || input.completed === isCompleted ? undefined : input.completed ? deps.clock.now() : null;
    return Promise.resolve(
      succeed({ title: input.title, body: input.body, due_at: input.dueAt === undefined ? undefined : new Date(input.dueAt), assigned_to: input.assignedTo, completed_at: completedAt }),
    );
  });
}

export async function deleteTask(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, taskId: string) {
  return deleteRecord(deps, principal, locationId, taskId, taskRecord(locationId, contactId));
}
