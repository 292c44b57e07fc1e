import type { Clock } from '../../../platform/clock/clock.js';
import type { Database } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { JobFailedPermanentlyError, JobRetryLaterError, type ClaimedJob } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { beginPush, confirmPush, findContactGhlId, recordCreatedGhlId, recordPushFailure, type PushPlan, type WriteThroughEntity } from '../write-through.repo.js';
import { readGhlRecord } from '../ghl-record-versions.js';
import type { GhlGateway } from '../ghl-gateway.js';
import { describeGhlError, isGhlRefusal, type GhlGatewayError } from '../ghl-gateway.js';
import { buildPushBody, describeEntity, type RecordAnswer, type RemoteAddress } from '../write-through-entities.js';

export interface PushDeps {
  database: Database;
  client: GhlGateway;
  clock: Clock;
  generateId: IdGenerator;
  logger: Logger;
}

/** How long a push waits for the contact it names to reach GHL first. */
export const CONTACT_WAIT_SECONDS = 5;


/** What a push did, for metrics. */
export type PushOutcome = 'created' | 'updated' | 'deleted' | 'nothing';

/** How long a push waits when the location's GHL access is revoked or missing (a reinstall fixes it). */
const REAUTH_WAIT_SECONDS = 900;

/** The gateway answered `no_access`: no usable GHL token for the location. */
class GhlAccessMissingError extends Error {}

/** Runs one `crm.push-*` job: create, update or delete the record in GHL, then record the outcome. */
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
  const descriptor = describeEntity(entity);
  let contactGhlId = typeof plan.row.values['contact_ghl_id'] === 'string' ? plan.row.values['contact_ghl_id'] : null;
  // Notes and tasks live under their contact in GHL's paths: every action needs its GHL id; projects
  // and appointments name it when created.
  const needsContact = descriptor.isAddressedUnderContact || (plan.action === 'create' && descriptor.belongsToContact);
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
  const at: RemoteAddress = { ghlLocationId, contactGhlId };

  if (plan.action === 'delete') {
    const result = await descriptor.remote.delete(deps.client, at, plan.row.ghlId as string);
    // Already gone in GHL is what a delete wants.
    if (!result.ok && result.error.status !== 404) await failPush(deps, plan, result.error);
    await deps.database.system((tx) => confirmPush(tx, plan, { now: deps.clock.now(), generateId: deps.generateId }));
    return 'deleted';
  }

  let answer: RecordAnswer | undefined;
  if (plan.action === 'create') {
    // An earlier attempt created it and recorded GHL's id, then failed to confirm: confirm that record.
    if (plan.createdGhlId) {
      const existing = await descriptor.remote.get(deps.client, at, plan.createdGhlId);
      if (existing.ok) answer = existing.data;
      else if (existing.error.code === 'no_access') throw new GhlAccessMissingError(existing.error.message);
      else if (existing.error.status !== 404) throw new Error(`reading ${entity} ${plan.createdGhlId} failed: ${describeGhlError(existing.error)}`);
    }
    // A crash between GHL's answer and recording it: look for the record, never create twice.
    answer ??= job.attempts > 1 ? await descriptor.findCreated?.(deps.client, { at, values: plan.row.values, sinceMs: job.createdAt.getTime() - 60_000 }) : undefined;
    if (!answer) {
      const body = buildPushBody(descriptor, 'create', plan.sent, plan.row.values, contactGhlId);
      const result = await descriptor.remote.create(deps.client, at, body);
      if (!result.ok) return failPush(deps, plan, result.error);
      answer = result.data;
      const createdId = answer.id;
      await deps.database.system((tx) => recordCreatedGhlId(tx, entity, plan.row.id, createdId, deps.clock.now()));
    }
  } else {
    const body = buildPushBody(descriptor, 'update', plan.sent, plan.row.values, contactGhlId);
    const result = await descriptor.remote.update(deps.client, at, plan.row.ghlId as string, body);
    if (!result.ok) return failPush(deps, plan, result.error);
    answer = result.data;
  }

  const read = readGhlRecord(entity, answer.record, ghlLocationId);
  for (const column of descriptor.columnsKeptFromAnswer ?? []) if (read) delete read.values[column];
  const now = deps.clock.now();
  await deps.database.system((tx) =>
    confirmPush(tx, plan, {
      ghlId: answer.id,
      now,
      generateId: deps.generateId,
      ...(read
        ? {
            answer: {
              // A partial answer without a change time (appointments) completes the row, not replaces it.
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
