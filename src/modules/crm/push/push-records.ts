import type { Clock } from '../../../platform/clock/clock.js';
import type { Database } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { JobFailedPermanentlyError, JobRetryLaterError, type ClaimedJob } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { beginPush, confirmPush, findContactGhlId, recordCreatedGhlId, recordPushFailure, type PushPlan, type WriteThroughEntity } from '../write-through.repo.js';
import { readGhlRecord } from '../ghl-record-versions.js';
import type { GhlGateway } from '../ghl-gateway.js';
import { describeGhlError, isGhlRefusal, type GhlGatewayError, type GhlAnswer } from '../ghl-gateway.js';
import { buildPushBody } from './ghl-push-bodies.js';

export interface PushDeps {
  database: Database;
  client: GhlGateway;
  clock: Clock;
  generateId: IdGenerator;
  logger: Logger;
}

/** How long a push waits for the contact it names to reach GHL first. */
export const CONTACT_WAIT_SECONDS = 5;


type RecordAnswer = { id: string; record: Record<string, unknown> };

/** What a push did, for metrics. */
export type PushOutcome = 'created' | 'updated' | 'deleted' | 'nothing';

/** How long a push waits when the location's GHL access is revoked or missing (a reinstall fixes it). */
const REAUTH_WAIT_SECONDS = 900;

/** The gateway answered `no_access`: no usable GHL token for the location. */
class GhlAccessMissingError extends Error {}

/** Runs one `ghl.push-*` job: create, update or delete the record in GHL, then record the outcome. */
export async function pushRecord(deps: PushDeps, entity: WriteThroughEntity, job: ClaimedJob): Promise<PushOutcome> {
  const id = job.payload['id'];
  if (typeof id !== 'string') throw new JobFailedPermanentlyError(`${job.kind} job ${job.id} has no record id`);
  const plan = await deps.database.system((tx) => beginPush(tx, entity, id));
  if (!plan) return 'nothing';
  if (!plan.ghlLocationId) throw new JobFailedPermanentlyError(`location ${plan.row.locationId} is not linked to GHL`);
  try {
    return await pushPlanned(deps, entity, job, plan, plan.ghlLocationId);
  } catch (error) {
    if (!(error instanceof GhlAccessMissingError)) throw error;
    // Uninstalled or re-authorisation needed: the edits stay, the record says why, and the push waits
    // for a reinstall (which makes the next attempt succeed).
    await deps.database.system((tx) => recordPushFailure(tx, entity, plan.row.id, `GHL access for this location is missing or revoked: ${error.message}`));
    throw new JobRetryLaterError(error.message, REAUTH_WAIT_SECONDS);
  }
}

async function pushPlanned(deps: PushDeps, entity: WriteThroughEntity, job: ClaimedJob, plan: PushPlan, ghlLocationId: string): Promise<PushOutcome> {
  let contactGhlId = typeof plan.row.values['contact_ghl_id'] === 'string' ? plan.row.values['contact_ghl_id'] : null;
  // Notes and tasks live under their contact in GHL's paths: every action needs its GHL id; projects
  // and appointments name it when created.
  const needsContact = entity === 'notes' || entity === 'tasks' || (plan.action === 'create' && entity !== 'contacts');
  if (needsContact && contactGhlId === null && plan.row.contactId) {
    const contact = await deps.database.system((tx) => findContactGhlId(tx, plan.row.contactId as string));
    if (!contact || (contact.isDeleted && plan.action !== 'delete')) {
      await deps.database.system((tx) => recordPushFailure(tx, entity, plan.row.id, 'the contact was deleted before the record reached GHL'));
      throw new JobFailedPermanentlyError(`contact ${plan.row.contactId} of ${entity} ${plan.row.id} was deleted`);
    }
    if (contact.ghlId === null) {
      if (job.attempts >= job.maxAttempts) await deps.database.system((tx) => recordPushFailure(tx, entity, plan.row.id, 'its contact never reached GHL (see the contact’s sync state)'));
      throw new JobRetryLaterError(`contact ${plan.row.contactId} has not reached GHL yet`, CONTACT_WAIT_SECONDS);
    }
    contactGhlId = contact.ghlId;
  }

  if (plan.action === 'delete') {
    const result = await deleteInGhl(deps.client, entity, ghlLocationId, plan.row.ghlId as string, contactGhlId);
    // Already gone in GHL is what a delete wants.
    if (!result.ok && result.error.status !== 404) await failPush(deps, plan, result.error);
    await deps.database.system((tx) => confirmPush(tx, plan, { now: deps.clock.now(), generateId: deps.generateId }));
    return 'deleted';
  }

  let answer: RecordAnswer | undefined;
  if (plan.action === 'create') {
    // An earlier attempt created it and recorded GHL's id, then failed to confirm: confirm that record.
    if (plan.createdGhlId) {
      const existing = await fetchRecord(deps.client, entity, ghlLocationId, plan.createdGhlId, contactGhlId);
      if (existing.ok) answer = existing.data;
      else if (existing.error.code === 'no_access') throw new GhlAccessMissingError(existing.error.message);
      else if (existing.error.status !== 404) throw new Error(`reading ${entity} ${plan.createdGhlId} failed: ${describeGhlError(existing.error)}`);
    }
    // A crash between GHL's answer and recording it: look for the record, never create twice.
    answer ??= job.attempts > 1 ? await findCreatedBefore(deps.client, entity, plan, contactGhlId, job.createdAt) : undefined;
    if (!answer) {
      const body = buildPushBody(entity, 'create', plan.sent, plan.row.values, contactGhlId);
      const result = await createInGhl(deps.client, entity, ghlLocationId, body, contactGhlId);
      if (!result.ok) return failPush(deps, plan, result.error);
      answer = result.data;
      const createdId = answer.id;
      await deps.database.system((tx) => recordCreatedGhlId(tx, entity, plan.row.id, createdId, deps.clock.now()));
    }
  } else {
    const body = buildPushBody(entity, 'update', plan.sent, plan.row.values, contactGhlId);
    const result = await updateInGhl(deps.client, entity, ghlLocationId, plan.row.ghlId as string, body, contactGhlId);
    if (!result.ok) return failPush(deps, plan, result.error);
    answer = result.data;
  }

  const read = readGhlRecord(entity, answer.record, ghlLocationId);
  // GHL's task answer says only whether it is completed, not when: our completion time stays.
  if (read && entity === 'tasks') delete read.values['completed_at'];
  const now = deps.clock.now();
  await deps.database.system((tx) =>
    confirmPush(tx, plan, {
      ghlId: answer.id,
      now,
      generateId: deps.generateId,
      ...(read
        ? {
            answer: {
              // Appointment answers are partial and carry no change time: they complete the row, not replace it.
              values: read.changedAt ? read.values : { ...plan.row.values, ...withoutNulls(read.values) },
              sourceUpdatedAt: read.changedAt ?? plan.row.sourceUpdatedAt,
              sourceEventAt: null,
              raw: read.raw,
            },
          }
        : {}),
    }),
  );
  return plan.action === 'create' ? 'created' : 'updated';
}

function withoutNulls(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== null && value !== undefined));
}

async function failPush(deps: PushDeps, plan: PushPlan, error: GhlGatewayError): Promise<never> {
  if (error.code === 'no_access') throw new GhlAccessMissingError(error.message);
  // A refusal keeps the edits pending with the reason on the record and ends the job (sync health
  // counts it); anything else is thrown as an ordinary error and retried with backoff.
  if (!isGhlRefusal(error)) throw new Error(`push of ${plan.entity} ${plan.row.id} failed: ${describeGhlError(error)}`);
  await deps.database.system((tx) => recordPushFailure(tx, plan.entity, plan.row.id, describeGhlError(error)));
  deps.logger.warn({ entity: plan.entity, recordId: plan.row.id, status: error.status }, 'GHL refused a push');
  throw new JobFailedPermanentlyError(`GHL refused the push of ${plan.entity} ${plan.row.id}: ${describeGhlError(error)}`);
}

function unwrap(result: GhlAnswer<unknown>, key: 'contact' | 'opportunity' | 'note' | 'task' | undefined): GhlAnswer<RecordAnswer> {
  if (!result.ok) return result;
  const data = result.data as Record<string, unknown>;
  const record = (key ? data[key] : data) as Record<string, unknown> | undefined;
  const id = record?.['id'];
  if (!record || typeof id !== 'string') return { ok: false, error: { status: 502, code: 'server_error', message: `GHL answered ${result.status} without the record` } };
  return { ok: true, status: result.status, data: { id, record } };
}

/** Notes and tasks are addressed under their contact. */
function contactPath(contactGhlId: string | null): string {
  if (!contactGhlId) throw new Error('a note or task without its contact’s GHL id cannot be pushed');
  return contactGhlId;
}

async function fetchRecord(client: GhlGateway, entity: WriteThroughEntity, ghlLocationId: string, ghlId: string, contactGhlId: string | null): Promise<GhlAnswer<RecordAnswer>> {
  switch (entity) {
    case 'notes':
      return unwrap(await client.getNote(ghlLocationId, contactPath(contactGhlId), ghlId), 'note');
    case 'tasks':
      return unwrap(await client.getTask(ghlLocationId, contactPath(contactGhlId), ghlId), 'task');
    case 'contacts':
      return unwrap(await client.getContact(ghlLocationId, ghlId), 'contact');
    case 'opportunities':
      return unwrap(await client.getOpportunity(ghlLocationId, ghlId), 'opportunity');
    case 'appointments': {
      const result = await client.getAppointment(ghlLocationId, ghlId);
      if (!result.ok) return result;
      const record = result.data.event ?? result.data.appointment;
      return record ? { ok: true, status: result.status, data: { id: record.id, record: record as unknown as Record<string, unknown> } } : unwrap(result, undefined);
    }
  }
}

async function createInGhl(client: GhlGateway, entity: WriteThroughEntity, ghlLocationId: string, body: Record<string, unknown>, contactGhlId: string | null): Promise<GhlAnswer<RecordAnswer>> {
  switch (entity) {
    case 'notes':
      return unwrap(await client.createNote(ghlLocationId, contactPath(contactGhlId), body), 'note');
    case 'tasks':
      return unwrap(await client.createTask(ghlLocationId, contactPath(contactGhlId), body), 'task');
    case 'contacts':
      return unwrap(await client.createContact(ghlLocationId, body), 'contact');
    case 'opportunities':
      return unwrap(await client.createOpportunity(ghlLocationId, body), 'opportunity');
    case 'appointments':
      return unwrap(await client.createAppointment(ghlLocationId, body), undefined);
  }
}

async function updateInGhl(client: GhlGateway, entity: WriteThroughEntity, ghlLocationId: string, ghlId: string, body: Record<string, unknown>, contactGhlId: string | null): Promise<GhlAnswer<RecordAnswer>> {
  switch (entity) {
    case 'notes':
      return unwrap(await client.updateNote(ghlLocationId, contactPath(contactGhlId), ghlId, body), 'note');
    case 'tasks':
      return unwrap(await client.updateTask(ghlLocationId, contactPath(contactGhlId), ghlId, body), 'task');
    case 'contacts':
      return unwrap(await client.updateContact(ghlLocationId, ghlId, body), 'contact');
    case 'opportunities':
      return unwrap(await client.updateOpportunity(ghlLocationId, ghlId, body), 'opportunity');
    case 'appointments':
      return unwrap(await client.updateAppointment(ghlLocationId, ghlId, body), undefined);
  }
}

async function deleteInGhl(client: GhlGateway, entity: WriteThroughEntity, ghlLocationId: string, ghlId: string, contactGhlId: string | null): Promise<GhlAnswer<unknown>> {
  switch (entity) {
    case 'notes':
      return client.deleteNote(ghlLocationId, contactPath(contactGhlId), ghlId);
    case 'tasks':
      return client.deleteTask(ghlLocationId, contactPath(contactGhlId), ghlId);
    case 'contacts':
      return client.deleteContact(ghlLocationId, ghlId);
    case 'opportunities':
      return client.deleteOpportunity(ghlLocationId, ghlId);
    case 'appointments':
      return client.deleteCalendarEvent(ghlLocationId, ghlId);
  }
}

/**
 * The record an earlier attempt of this job may have created before it crashed: same identifying
 * fields, created after the job was. Lookup failures are treated as "none" (the create then runs).
 */
async function findCreatedBefore(client: GhlGateway, entity: WriteThroughEntity, plan: PushPlan, contactGhlId: string | null, since: Date): Promise<RecordAnswer | undefined> {
  const ghlLocationId = plan.ghlLocationId as string;
  const sinceMs = since.getTime() - 60_000;
  const isRecent = (time: unknown) => typeof time === 'string' && new Date(time).getTime() >= sinceMs;
  const values = plan.row.values;
  // Notes and tasks have nothing to find them by; created_ghl_id covers all but a crash in the instant after GHL answered.
  if (entity === 'notes' || entity === 'tasks') return undefined;
  if (entity === 'contacts') {
    const email = typeof values['email'] === 'string' ? values['email'] : undefined;
    const phone = typeof values['phone'] === 'string' ? values['phone'] : undefined;
    if (!email && !phone) return undefined;
    const filter = email ? { field: 'email', operator: 'eq', value: email } : { field: 'phone', operator: 'eq', value: phone };
    const found = await client.searchContacts(ghlLocationId, { pageLimit: 10, filters: [filter] });
    const match = found.ok ? found.data.contacts.find((contact) => isRecent(contact.dateAdded)) : undefined;
    return match ? { id: match.id, record: match as unknown as Record<string, unknown> } : undefined;
  }
  if (entity === 'opportunities') {
    if (!contactGhlId) return undefined;
    const found = await client.searchOpportunities(ghlLocationId, { contactId: contactGhlId, status: 'all', limit: 100 });
    const match = found.ok ? found.data.opportunities.find((item) => item.name === values['name'] && item.pipelineId === values['pipeline_id'] && isRecent(item.createdAt)) : undefined;
    return match ? { id: match.id, record: match as unknown as Record<string, unknown> } : undefined;
  }
  const calendarId = values['calendar_id'];
  const start = values['start_time'] instanceof Date ? values['start_time'] : typeof values['start_time'] === 'string' ? new Date(values['start_time']) : undefined;
  if (typeof calendarId !== 'string' || !start || !contactGhlId) return undefined;
  const found = await client.listCalendarEvents(ghlLocationId, { calendarId, startTimeMs: start.getTime() - 1, endTimeMs: start.getTime() + 60_000 });
  const match = found.ok ? found.data.events.find((event) => event.contactId === contactGhlId && event.startTime !== undefined && new Date(event.startTime).getTime() === start.getTime()) : undefined;
  return match ? { id: match.id, record: match as unknown as Record<string, unknown> } : undefined;
}
