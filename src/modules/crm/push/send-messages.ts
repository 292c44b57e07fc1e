import { findLocationGhlLink } from '../../tenants/index.js';
import { JobFailedPermanentlyError, JobRetryLaterError, type ClaimedJob } from '../../../platform/jobs/index.js';
import { findContactGhlId } from '../write-through.repo.js';
import { findMessageSend, findOutboundMessageFor, markMessageFailed, markMessageSending, markMessageSent } from '../crm-write.repo.js';
import { describeGhlError, isGhlRefusal } from '../ghl-gateway.js';
import { CONTACT_WAIT_SECONDS, type PushDeps } from './push-records.js';


/**
 * Runs one `crm.push-message` job: sends a queued SMS or email through GHL. A send interrupted after
 * GHL took it (status `sending`) is only repeated when GHL has not reported the message meanwhile.
 */
/** True when this run sent the message. */
export async function sendQueuedMessage(deps: PushDeps, job: ClaimedJob): Promise<boolean> {
  const id = job.payload['id'];
  if (typeof id !== 'string') throw new JobFailedPermanentlyError(`${job.kind} job ${job.id} has no message id`);
  const prepared = await deps.database.system(async (tx) => {
    const send = await findMessageSend(tx, id, { forUpdate: true });
    if (!send || send.status === 'sent' || send.status === 'failed') return undefined;
    const contact = await findContactGhlId(tx, send.contactId);
    if (!contact || contact.isDeleted) {
      await markMessageFailed(tx, id, 'the contact was deleted');
      return undefined;
    }
    const ghlLocationId = (await findLocationGhlLink(tx, send.locationId))?.ghlLocationId ?? null;
    if (contact.ghlId === null) return { send, contactGhlId: null, ghlLocationId, reported: undefined };
    const reported = send.status === 'sending' ? await findOutboundMessageFor(tx, send, contact.ghlId) : undefined;
    if (reported) await markMessageSent(tx, id, { ghlMessageId: reported.ghlId, ghlConversationId: reported.conversationGhlId, at: deps.clock.now() });
    else await markMessageSending(tx, id);
    return { send, contactGhlId: contact.ghlId, ghlLocationId, reported };
  });
  if (!prepared || prepared.reported) return false;
  if (prepared.contactGhlId === null) {
    const reason = `contact ${prepared.send.contactId} has not reached GHL`;
    // The last attempt: say so on the send instead of leaving it queued forever.
    if (job.attempts >= job.maxAttempts) await deps.database.system((tx) => markMessageFailed(tx, id, `${reason} (see the contact's sync state)`));
    throw new JobRetryLaterError(`${reason} yet`, CONTACT_WAIT_SECONDS);
  }
  if (!prepared.ghlLocationId) throw new JobFailedPermanentlyError(`location ${prepared.send.locationId} is not linked to GHL`);
  const { send } = prepared;
  const result = await deps.client.sendMessage(prepared.ghlLocationId, {
    type: send.channel,
    contactId: prepared.contactGhlId,
    ...(send.body !== null ? { message: send.body } : {}),
    ...(send.subject !== null ? { subject: send.subject } : {}),
    ...(send.html !== null ? { html: send.html } : {}),
  });
  if (result.ok) {
    await deps.database.system((tx) => markMessageSent(tx, id, { ghlMessageId: result.data.messageId ?? null, ghlConversationId: result.data.conversationId ?? null, at: deps.clock.now() }));
    return true;
  }
  const { error } = result;
  if (isGhlRefusal(error)) {
    await deps.database.system((tx) => markMessageFailed(tx, id, describeGhlError(error)));
    throw new JobFailedPermanentlyError(`GHL refused message ${id}: ${error.message}`);
  }
  throw new Error(`sending message ${id} failed: ${describeGhlError(error)}`);
}
