import type { Principal } from '../../platform/http/index.js';
import { enqueueJob } from '../../platform/jobs/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { toIso, withVisibleLocation, type CrmWriteDeps } from './crm-read.deps.js';
import type { Page } from './crm-read.schemas.js';
import { findLinkableContact, findMessageSend, insertMessageSend, selectMessageSends, type MessageSendRow } from './crm-write.repo.js';
import type { MessageSendView, SendMessageInput } from './crm-write.schemas.js';

export const SEND_MESSAGE_JOB_KIND = 'crm.push-message';

export function toMessageSendView(row: MessageSendRow): MessageSendView {
  return {
    id: row.id,
    contactId: row.contactId,
    channel: row.channel,
    status: row.status,
    ghlMessageId: row.ghlMessageId,
    ghlConversationId: row.ghlConversationId,
    error: row.error,
    createdAt: toIso(row.createdAt) ?? '',
    sentAt: toIso(row.sentAt),
  };
}

type SendError = 'not_found' | 'not_linked' | 'unknown_contact' | 'invalid_message' | 'contact_dnd';

/**
 * Queues an SMS or email to a contact: stored at once (202), sent through GHL by the outbox, so a
 * GHL outage delays the message instead of losing it. The message itself then arrives in the
 * conversation by GHL's OutboundMessage webhook.
 */
export async function sendMessage(deps: CrmWriteDeps, principal: Principal, locationId: string, contactId: string, input: SendMessageInput): Promise<Result<MessageSendView, SendError>> {
  if (input.channel === 'SMS' && (input.message === undefined || input.subject !== undefined || input.html !== undefined)) {
    return fail('invalid_message', 'An SMS needs `message` and takes no subject or html');
  }
  if (input.channel === 'Email' && (input.subject === undefined || (input.message === undefined && input.html === undefined))) {
    return fail('invalid_message', 'An email needs `subject` and `html` or `message`');
  }
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<MessageSendView, SendError>> => {
    if (!location.ghlLocationId) return fail('not_linked', 'This location is not connected to GHL');
    const contact = await findLinkableContact(tx, locationId, contactId);
    if (!contact) return fail('unknown_contact', `Contact ${contactId} does not exist in this location`);
    if (contact.isDnd) return fail('contact_dnd', 'The contact asked not to be disturbed (DND)');
    const id = deps.generateId('msg');
    await insertMessageSend(tx, {
      id,
      companyId: location.companyId,
      locationId,
      contactId: contact.id,
      channel: input.channel,
      body: input.message ?? null,
      subject: input.subject ?? null,
      html: input.html ?? null,
      requestedBy: principal.userId ?? principal.apiKeyId ?? null,
      at: deps.clock.now(),
    });
    await enqueueJob(tx, {
      kind: SEND_MESSAGE_JOB_KIND,
      payload: { id },
      companyId: location.companyId,
      locationId,
      idempotencyKey: id,
      // After a contact created here: its push runs first, so the message can name GHL's contact.
      orderingKey: `crm.push:${contact.id}`,
      priority: 6,
      maxAttempts: 30,
    });
    const stored = await findMessageSend(tx, id);
    if (!stored) throw new Error(`message send ${id} vanished after its insert`);
    return succeed(toMessageSendView(stored));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}

export async function listMessageSends(
  deps: CrmWriteDeps,
  principal: Principal,
  locationId: string,
  input: { contactId?: string | undefined; limit: number; offset: number },
): Promise<Result<Page<MessageSendView>, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    let contactId: string | undefined;
    if (input.contactId !== undefined) {
      const contact = await findLinkableContact(tx, locationId, input.contactId);
      if (!contact) return fail('not_found', 'Contact not found');
      contactId = contact.id;
    }
    const { rows, total } = await selectMessageSends(tx, locationId, contactId, input);
    return succeed({ items: rows.map(toMessageSendView), total, limit: input.limit, offset: input.offset });
  });
}

export async function getMessageSend(deps: CrmWriteDeps, principal: Principal, locationId: string, sendId: string): Promise<Result<MessageSendView, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const row = await findMessageSend(tx, sendId);
    if (!row || row.locationId !== locationId) return fail('not_found', 'Message not found');
    return succeed(toMessageSendView(row));
  });
}
