import { z } from 'zod';
import type { BatchOutcome, ProcessOutcome, WebhookBatchProcessor, WebhookEvent, WebhookProcessor } from '../webhooks/index.js';
import type { Tx } from '../../platform/db/index.js';
import type { TenantRef } from '../tenants/index.js';
import { createBatchTenantResolver, resolveEventTenant, type CrmProcessorDeps } from './entity-processor.js';
import { applyEntityVersions, applyEntityVersionsReturningGhlIds, type EntityTable, type EntityVersion } from './entity-versions.repo.js';
import { applyConversationState, ensureConversationForMessage, ensureConversationsForMessages, type ConversationMessageRef } from './conversations.repo.js';
import { LocationNotInstalledError } from './location-not-installed-error.js';
import { anyValue, describeIssues, optionalBoolean, optionalNumber, optionalText, parseGhlTime, requiredId, resolveSourceVersion } from './ghl-payload.js';

const messagePayload = z.looseObject({
  locationId: optionalText,
  conversationId: requiredId,
  messageId: optionalText,
  contactId: optionalText,
  messageType: optionalText,
  direction: optionalText,
  body: optionalText,
  contentType: optionalText,
  status: optionalText,
  subject: optionalText,
  attachments: anyValue,
  callDuration: optionalNumber,
  callStatus: optionalText,
  emailMessageId: optionalText,
  threadId: optionalText,
  userId: optionalText,
  source: optionalText,
  dateAdded: anyValue,
});
type MessagePayload = z.infer<typeof messagePayload>;

type MessageColumn =
  | 'conversation_id'
  | 'conversation_ghl_id'
  | 'contact_ghl_id'
  | 'direction'
  | 'message_type'
  | 'body'
  | 'content_type'
  | 'status'
  | 'subject'
  | 'attachments'
  | 'call_duration_seconds'
  | 'call_status'
  | 'email_message_id'
  | 'thread_id'
  | 'user_ghl_id'
  | 'source'
  | 'date_added';

const messagesTable: EntityTable<MessageColumn> = {
  name: 'messages',
  idPrefix: 'msg',
  scope: 'location',
  columns: {
    conversation_id: { type: 'text' },
    conversation_ghl_id: { type: 'text' },
    contact_ghl_id: { type: 'text', merge: 'keep-when-null' },
    direction: { type: 'text' },
    message_type: { type: 'text' },
    body: { type: 'text', merge: 'keep-when-null' },
    content_type: { type: 'text' },
    status: { type: 'text' },
    subject: { type: 'text' },
    attachments: { type: 'jsonb', fallback: "'[]'::jsonb" },
    call_duration_seconds: { type: 'integer' },
    call_status: { type: 'text' },
    email_message_id: { type: 'text' },
    thread_id: { type: 'text' },
    user_ghl_id: { type: 'text' },
    source: { type: 'text' },
    date_added: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

const DIRECTIONS = new Set(['inbound', 'outbound']);

/**
 * The docs' examples contradict themselves: InboundMessage's call example has `type: OutboundMessage`
 * with `direction: inbound`, OutboundMessage's SMS example has `direction: inbound` with
 * `source: "app"`. `source` (app, workflow, bulk_actions, campaign, api) exists only on messages we
 * (or GHL) sent, so it wins; then the payload's direction; the event name last.
 */
export function resolveMessageDirection(eventType: string, payload: { direction?: string | undefined; source?: string | undefined }): 'inbound' | 'outbound' {
  if (payload.source) return 'outbound';
  if (payload.direction && DIRECTIONS.has(payload.direction)) return payload.direction as 'inbound' | 'outbound';
  return eventType === 'OutboundMessage' ? 'outbound' : 'inbound';
}

type ReadMessage = { ok: true; conversation: ConversationMessageRef; message: EntityVersion<MessageColumn> } | { ok: false; reason: string };

/** One message event as the conversation it touches and the message row it carries (conversation id filled in later). */
async function readMessage(
  event: WebhookEvent,
  tenantOf: (event: WebhookEvent, payloadGhlLocationId: string | undefined) => Promise<TenantRef | undefined>,
): Promise<ReadMessage> {
  const parsed = messagePayload.safeParse(event.payload);
  if (!parsed.success) return { ok: false, reason: `malformed ${event.eventType} payload: ${describeIssues(parsed.error)}` };
  const payload: MessagePayload = parsed.data;
  const tenant = await tenantOf(event, payload.locationId);
  if (!tenant) return { ok: false, reason: `${event.eventType} payload names no location` };
  // Several official examples (SMS, Email) have no messageId. The delivery id (GHL's webhookId, or a
  // content hash) is stable across retries, so it keys the message until a sync brings the real id.
  const messageGhlId = payload.messageId ?? `delivery:${event.deliveryId}`;
  const version = resolveSourceVersion(event, []);
  const messageAt = parseGhlTime(payload.dateAdded) ?? version.sourceUpdatedAt;
  const direction = resolveMessageDirection(event.eventType, payload);
  return {
    ok: true,
    conversation: {
      companyId: tenant.companyId,
      locationId: tenant.locationId,
      ghlConversationId: payload.conversationId,
      contactGhlId: payload.contactId ?? null,
      messageGhlId,
      body: payload.body ?? null,
      messageType: payload.messageType ?? null,
      direction,
      messageAt,
      raw: event.payload,
    },
    message: {
      companyId: tenant.companyId,
      locationId: tenant.locationId,
      ghlId: messageGhlId,
      values: {
        conversation_id: null,
        conversation_ghl_id: payload.conversationId,
        contact_ghl_id: payload.contactId ?? null,
        direction,
        message_type: payload.messageType ?? null,
        body: payload.body ?? null,
        content_type: payload.contentType ?? null,
        status: payload.status ?? null,
        subject: payload.subject ?? null,
        attachments: Array.isArray(payload.attachments) ? payload.attachments : [],
        call_duration_seconds: payload.callDuration ?? null,
        call_status: payload.callStatus ?? null,
        email_message_id: payload.emailMessageId ?? null,
        thread_id: payload.threadId ?? null,
        user_ghl_id: payload.userId ?? null,
        source: payload.source ?? null,
        date_added: messageAt,
      },
      // A message's versions differ by status (delivered → read); its own time is when it was added.
      sourceUpdatedAt: version.sourceUpdatedAt,
      sourceEventAt: version.sourceEventAt,
      raw: event.payload,
    },
  };
}

const conversationKey = (ref: { locationId: string | null; ghlConversationId: string }) => `${ref.locationId ?? ''}\u0000${ref.ghlConversationId}`;

/**
 * InboundMessage / OutboundMessage: the conversation (created, last message moved when newest) and the
 * message row. The batch form does the same for a claim's messages in three statements in all (tenants,
 * conversations, messages); an event of a location not installed here fails alone (retried).
 */
function createMessageProcessor(deps: CrmProcessorDeps): WebhookProcessor & { processBatch: WebhookBatchProcessor } {
  const processOne = async (tx: Tx, event: WebhookEvent): Promise<ProcessOutcome> => {
    const read = await readMessage(event, (one, payloadGhlLocationId) => resolveEventTenant(tx, one, payloadGhlLocationId));
    if (!read.ok) return { status: 'skipped', reason: read.reason };
    const now = deps.clock.now();
    const conversationId = await ensureConversationForMessage(tx, deps.generateId, read.conversation, now);
    const changed = await applyEntityVersions(tx, messagesTable, [{ ...read.message, values: { ...read.message.values, conversation_id: conversationId } }], {
      mode: 'upsert',
      now,
      generateId: deps.generateId,
    });
    return changed > 0 ? { status: 'done' } : { status: 'skipped', reason: `message ${read.message.ghlId}: already applied or stale` };
  };
  const processBatch: WebhookBatchProcessor = async (tx, events) => {
    const tenantOf = await createBatchTenantResolver(tx, events);
    const outcomes: BatchOutcome[] = [];
    const pending: { index: number; read: Extract<ReadMessage, { ok: true }> }[] = [];
    for (const [index, event] of events.entries()) {
      try {
        const read = await readMessage(event, tenantOf);
        if (read.ok) pending.push({ index, read });
        outcomes[index] = read.ok ? { status: 'done' } : { status: 'skipped', reason: read.reason };
      } catch (error) {
        // An unknown location: this event alone waits for a retry, untouched.
        if (!(error instanceof LocationNotInstalledError)) throw error;
        outcomes[index] = { status: 'failed', error };
      }
    }
    if (pending.length === 0) return outcomes;
    const now = deps.clock.now();
    const conversationIds = await ensureConversationsForMessages(tx, deps.generateId, pending.map(({ read }) => read.conversation), now);
    const versions = pending.map(({ read }) => ({ ...read.message, values: { ...read.message.values, conversation_id: conversationIds.get(conversationKey(read.conversation)) ?? null } }));
    const changed = new Set(await applyEntityVersionsReturningGhlIds(tx, messagesTable, versions, { mode: 'upsert', now, generateId: deps.generateId }));
    for (const { index, read } of pending) {
      if (!changed.has(read.message.ghlId)) outcomes[index] = { status: 'skipped', reason: `message ${read.message.ghlId}: already applied or stale` };
    }
    return outcomes;
  };
  return Object.assign(processOne, { processBatch });
}

const unreadPayload = z.looseObject({
  id: requiredId,
  locationId: optionalText,
  contactId: optionalText,
  unreadCount: optionalNumber,
  starred: optionalBoolean,
  inbox: optionalBoolean,
  deleted: optionalBoolean,
  dateUpdated: anyValue,
});

function createConversationUnreadProcessor(deps: CrmProcessorDeps): WebhookProcessor {
  return async (tx, event) => {
    const parsed = unreadPayload.safeParse(event.payload);
    if (!parsed.success) return { status: 'skipped', reason: `malformed ${event.eventType} payload: ${describeIssues(parsed.error)}` };
    const payload = parsed.data;
    const tenant = await resolveEventTenant(tx, event, payload.locationId);
    if (!tenant) return { status: 'skipped', reason: `${event.eventType} payload names no location` };
    const version = resolveSourceVersion(event, [payload.dateUpdated]);
    const isChanged = await applyConversationState(
      tx,
      deps.generateId,
      {
        companyId: tenant.companyId,
        locationId: tenant.locationId,
        ghlConversationId: payload.id,
        contactGhlId: payload.contactId ?? null,
        unreadCount: payload.unreadCount !== undefined && Number.isInteger(payload.unreadCount) ? payload.unreadCount : null,
        isStarred: payload.starred ?? null,
        isInbox: payload.inbox ?? null,
        isDeleted: payload.deleted === true,
        ...version,
        raw: event.payload,
      },
      deps.clock.now(),
    );
    return isChanged ? { status: 'done' } : { status: 'skipped', reason: `conversation ${payload.id}: already applied or stale` };
  };
}

export function createConversationProcessors(deps: CrmProcessorDeps): Record<string, WebhookProcessor> {
  const message = createMessageProcessor(deps);
  return {
    InboundMessage: message,
    OutboundMessage: message,
    // The docs page is named ConversationUnreadWebhook; the payload's type is ConversationUnreadUpdate.
    ConversationUnreadUpdate: createConversationUnreadProcessor(deps),
  };
}
