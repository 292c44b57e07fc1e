import { asRecord, fail, failValidation, ok, readBoolean, readNumber, readString, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { emitEvent, requireLocationAccess, requireRecordLocation, toIso, type SandboxRuntime } from './sandbox-runtime.js';
import type { Contact, Conversation, LocationData, Message } from './sandbox-store.js';
import { buildConversationUnreadPayload, buildMessagePayload } from './webhook-payloads.js';

const SEND_TYPES: Record<string, { messageType: string; typeNumber: number }> = {
  SMS: { messageType: 'TYPE_SMS', typeNumber: 2 },
  RCS: { messageType: 'TYPE_RCS', typeNumber: 2 },
  Email: { messageType: 'TYPE_EMAIL', typeNumber: 3 },
  WhatsApp: { messageType: 'TYPE_WHATSAPP', typeNumber: 19 },
  IG: { messageType: 'TYPE_INSTAGRAM', typeNumber: 18 },
  FB: { messageType: 'TYPE_FACEBOOK', typeNumber: 4 },
  Custom: { messageType: 'TYPE_CUSTOM_SMS', typeNumber: 21 },
  Live_Chat: { messageType: 'TYPE_LIVE_CHAT', typeNumber: 29 },
  TIKTOK: { messageType: 'TYPE_TIKTOK', typeNumber: 38 },
};

const EXPORT_CHANNELS: Record<string, string> = { Call: 'TYPE_CALL', SMS: 'TYPE_SMS', Email: 'TYPE_EMAIL', WhatsApp: 'TYPE_WHATSAPP', Instagram: 'TYPE_INSTAGRAM', Facebook: 'TYPE_FACEBOOK' };

export function toMessageJson(message: Message): Record<string, unknown> {
  const { dateAddedMs: _dateAddedMs, ...json } = message;
  return json;
}

function toConversationSearchJson(data: LocationData, conversation: Conversation): Record<string, unknown> {
  const contact = data.contacts.get(conversation.contactId);
  return {
    id: conversation.id,
    contactId: conversation.contactId,
    locationId: conversation.locationId,
    lastMessageBody: conversation.lastMessageBody,
    lastMessageType: conversation.lastMessageType,
    lastMessageDirection: conversation.lastMessageDirection,
    lastMessageDate: conversation.lastMessageDateMs,
    type: conversation.type,
    unreadCount: conversation.unreadCount,
    fullName: contact?.name ?? '',
    contactName: contact?.name ?? '',
    email: contact?.email ?? '',
    phone: contact?.phone ?? '',
    assignedTo: conversation.assignedTo,
    starred: conversation.starred,
    inbox: conversation.inbox,
    dateAdded: Date.parse(conversation.dateAdded),
    dateUpdated: Date.parse(conversation.dateUpdated),
    sort: [conversation.lastMessageDateMs],
  };
}

function toConversationJson(conversation: Conversation): Record<string, unknown> {
  return {
    id: conversation.id,
    contactId: conversation.contactId,
    locationId: conversation.locationId,
    deleted: conversation.deleted,
    inbox: conversation.inbox,
    type: conversation.type === 'TYPE_PHONE' ? 1 : 2,
    unreadCount: conversation.unreadCount,
    assignedTo: conversation.assignedTo,
    starred: conversation.starred,
  };
}

export function ensureConversation(runtime: SandboxRuntime, data: LocationData, contact: Contact, nowMs: number): Conversation {
  const existingId = data.conversationIdByContact.get(contact.id);
  const existing = existingId ? data.conversations.get(existingId) : undefined;
  if (existing) return existing;
  const conversation: Conversation = {
    id: runtime.random.createGhlId(),
    locationId: contact.locationId,
    contactId: contact.id,
    type: 'TYPE_PHONE',
    unreadCount: 0,
    starred: false,
    inbox: true,
    deleted: false,
    assignedTo: contact.assignedTo,
    lastMessageBody: '',
    lastMessageType: 'TYPE_SMS',
    lastMessageDirection: 'outbound',
    lastMessageDateMs: nowMs,
    dateAdded: toIso(nowMs),
    dateUpdated: toIso(nowMs),
  };
  data.conversations.set(conversation.id, conversation);
  data.conversationIdByContact.set(contact.id, conversation.id);
  runtime.store.indexRecord(conversation.id, conversation.locationId);
  return conversation;
}

export interface NewMessageInput {
  callDurationSeconds?: number;
  direction: 'inbound' | 'outbound';
  messageType: string;
  typeNumber: number;
  body: string;
  status: string;
  source: Message['source'];
  userId: string;
  contentType: string;
}

/** Stores a message, updates its conversation and sends Inbound/OutboundMessage (+ unread count for inbound). */
export function addConversationMessage(runtime: SandboxRuntime, data: LocationData, contact: Contact, input: NewMessageInput, nowMs: number): Message {
  const conversation = ensureConversation(runtime, data, contact, nowMs);
  const message: Message = {
    id: runtime.random.createGhlId(),
    type: input.typeNumber,
    messageType: input.messageType,
    locationId: contact.locationId,
    contactId: contact.id,
    conversationId: conversation.id,
    dateAdded: toIso(nowMs),
    body: input.body,
    direction: input.direction,
    status: input.status,
    contentType: input.contentType,
    attachments: [],
    source: input.source,
    userId: input.userId,
    dateAddedMs: nowMs,
  };
  if (input.messageType === 'TYPE_CALL') message.meta = { callDuration: String(input.callDurationSeconds ?? 0), callStatus: input.status === 'voicemail' ? 'voicemail' : 'completed' };
  if (message.meta) message.status = 'delivered';
  runtime.store.addMessage(data, message);
  conversation.lastMessageBody = message.body;
  conversation.lastMessageType = message.messageType;
  conversation.lastMessageDirection = message.direction;
  conversation.lastMessageDateMs = nowMs;
  conversation.dateUpdated = message.dateAdded;
  conversation.unreadCount = input.direction === 'inbound' ? conversation.unreadCount + 1 : 0;
  emitEvent(runtime, contact.locationId, buildMessagePayload(input.direction === 'inbound' ? 'InboundMessage' : 'OutboundMessage', message));
  if (input.direction === 'inbound') emitEvent(runtime, contact.locationId, buildConversationUnreadPayload(conversation));
  return message;
}

function searchConversations(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const query = context.query;
  const { data } = requireLocationAccess(runtime, context, query.get('locationId') ?? undefined);
  const limit = Number(query.get('limit') ?? '20') || 20;
  if (limit > 100) failValidation(['limit must not be greater than 100']);
  const contactId = query.get('contactId');
  const assignedTo = query.get('assignedTo')?.split(',');
  const id = query.get('id');
  const status = query.get('status') ?? 'all';
  const direction = query.get('lastMessageDirection');
  const lastMessageType = query.get('lastMessageType');
  const needle = query.get('query')?.toLowerCase();
  const isAscending = query.get('sort') === 'asc';
  const startDate = Number(query.get('startDate') ?? 'NaN');
  const endDate = Number(query.get('endDate') ?? 'NaN');
  let rows = [...data.conversations.values()].filter((conversation) => {
    if (conversation.deleted) return false;
    if (contactId && conversation.contactId !== contactId) return false;
    if (assignedTo && !assignedTo.includes(conversation.assignedTo)) return false;
    if (id && conversation.id !== id) return false;
    if (status === 'unread' && conversation.unreadCount === 0) return false;
    if (status === 'read' && conversation.unreadCount > 0) return false;
    if (status === 'starred' && !conversation.starred) return false;
    if (direction && conversation.lastMessageDirection !== direction) return false;
    if (lastMessageType && conversation.lastMessageType !== lastMessageType) return false;
    if (Number.isFinite(startDate) && conversation.lastMessageDateMs < startDate) return false;
    if (Number.isFinite(endDate) && conversation.lastMessageDateMs > endDate) return false;
    if (needle) {
      const contact = data.contacts.get(conversation.contactId);
      if (!contact || !(contact.name.toLowerCase().includes(needle) || contact.email.includes(needle) || contact.phone.includes(needle))) return false;
    }
    return true;
  });
  rows.sort((a, b) => (isAscending ? a.lastMessageDateMs - b.lastMessageDateMs : b.lastMessageDateMs - a.lastMessageDateMs) || (a.id < b.id ? -1 : 1));
  const total = rows.length;
  // The cursor is the sort value of the last conversation returned (ghl-api.md §7.7).
  const startAfterDate = Number(query.get('startAfterDate') ?? 'NaN');
  if (Number.isFinite(startAfterDate)) rows = rows.filter((conversation) => (isAscending ? conversation.lastMessageDateMs > startAfterDate : conversation.lastMessageDateMs < startAfterDate));
  return ok({ conversations: rows.slice(0, limit).map((conversation) => toConversationSearchJson(data, conversation)), total });
}

function findConversation(runtime: SandboxRuntime, context: RequestContext): { data: LocationData; conversation: Conversation } {
  const conversationId = context.params['conversationId'] ?? '';
  const { data } = requireRecordLocation(runtime, context, conversationId, 'Conversation');
  const conversation = data.conversations.get(conversationId);
  if (!conversation) fail(404, 'Conversation not found');
  return { data, conversation };
}

function listConversationMessages(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { conversation } = findConversation(runtime, context);
  const limit = Math.min(100, Number(context.query.get('limit') ?? '20') || 20);
  const types = context.query.get('type')?.split(',');
  const all = (runtime.store.messagesByConversation.get(conversation.id) ?? []).filter((message) => !types || types.includes(message.messageType));
  // Newest first; `lastMessageId` continues with older messages.
  const newestFirst = [...all].reverse();
  const lastMessageId = context.query.get('lastMessageId');
  const startIndex = lastMessageId ? newestFirst.findIndex((message) => message.id === lastMessageId) + 1 : 0;
  const page = newestFirst.slice(startIndex, startIndex + limit);
  const result = { lastMessageId: page[page.length - 1]?.id ?? '', nextPage: startIndex + limit < newestFirst.length, messages: page.map(toMessageJson) };
  // Flat as in the current spec (v2 since 2026-05-01, v3) and SDK 3.x; nested before that (SandboxQuirks).
  return ok(runtime.quirks.nestConversationMessages ? { messages: result } : result);
}

function sendMessage(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const type = readString(body, 'type');
  const contactId = readString(body, 'contactId');
  const problems: string[] = [];
  const channel = type ? SEND_TYPES[type] : undefined;
  if (!channel) problems.push(`type must be one of the following values: ${Object.keys(SEND_TYPES).join(', ')}`);
  if (!contactId) problems.push('contactId should not be empty');
  // UNCONFIRMED: the spec also marks subType and status required; real clients omit them, so they are not enforced.
  if (problems.length > 0 || !channel || !contactId) failValidation(problems);
  const { data } = requireRecordLocation(runtime, context, contactId, 'Contact');
  const contact = data.contacts.get(contactId);
  if (!contact) fail(404, 'Contact not found');
  const isEmail = type === 'Email';
  const text = isEmail ? (readString(body, 'html') ?? readString(body, 'message') ?? '') : (readString(body, 'message') ?? '');
  if (!isEmail && !text && !Array.isArray(body['attachments'])) failValidation(['message should not be empty']);
  if (type === 'SMS' && !contact.phone) fail(400, 'Contact does not have a phone number');
  if (isEmail && !contact.email) fail(400, 'Contact does not have an email address');
  const message = addConversationMessage(
    runtime,
    data,
    contact,
    { direction: 'outbound', messageType: channel.messageType, typeNumber: channel.typeNumber, body: text, status: 'delivered', source: 'api', userId: readString(body, 'userId') ?? '', contentType: isEmail ? 'text/html' : 'text/plain' },
    context.nowMs,
  );
  const response: Record<string, unknown> = { conversationId: message.conversationId, messageId: message.id, msg: 'Message queued successfully.', status: 'delivered' };
  if (isEmail) response['emailMessageId'] = message.id;
  return ok(response);
}

const exportCache = new WeakMap<LocationData, { version: number; messages: Message[] }>();

function listMessagesChronologically(data: LocationData): Message[] {
  const cached = exportCache.get(data);
  if (cached && cached.version === data.messagesVersion) return cached.messages;
  const messages = [...data.messages.values()].sort((a, b) => a.dateAddedMs - b.dateAddedMs || (a.id < b.id ? -1 : 1));
  exportCache.set(data, { version: data.messagesVersion, messages });
  return messages;
}

function exportMessages(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const query = context.query;
  const { data } = requireLocationAccess(runtime, context, query.get('locationId') ?? undefined);
  const limit = Number(query.get('limit') ?? '100');
  if (!Number.isInteger(limit) || limit < 10 || limit > 500) failValidation(['limit must not be less than 10', 'limit must not be greater than 500']);
  const isAscending = query.get('sortOrder') === 'asc';
  const channel = query.get('channel');
  if (channel && !EXPORT_CHANNELS[channel]) failValidation(['channel must be one of the following values: Call, SMS, Email, WhatsApp, Instagram, Facebook']);
  const conversationId = query.get('conversationId');
  const contactId = query.get('contactId');
  const startMs = query.get('startDate') ? Date.parse(query.get('startDate') ?? '') || Number(query.get('startDate')) : undefined;
  const endMs = query.get('endDate') ? Date.parse(query.get('endDate') ?? '') || Number(query.get('endDate')) : undefined;
  let messages = listMessagesChronologically(data).filter(
    (message) =>
      // Without a channel GHL exports every type except email (spec: "all non-email message types").
      (channel ? message.messageType === EXPORT_CHANNELS[channel] : message.messageType !== 'TYPE_EMAIL') &&
      (!conversationId || message.conversationId === conversationId) &&
      (!contactId || message.contactId === contactId) &&
      (startMs === undefined || message.dateAddedMs >= startMs) &&
      (endMs === undefined || message.dateAddedMs <= endMs),
  );
  if (!isAscending) messages = [...messages].reverse();
  const total = messages.length;
  const cursorText = query.get('cursor');
  let start = 0;
  if (cursorText) {
    let cursor: { lastSort?: unknown; lastId?: unknown };
    try {
      cursor = JSON.parse(Buffer.from(cursorText, 'base64').toString('utf8')) as { lastSort?: unknown; lastId?: unknown };
    } catch {
      failValidation(['cursor is invalid']);
    }
    const index = messages.findIndex((message) => message.id === cursor.lastId);
    start = index + 1;
  }
  const page = messages.slice(start, start + limit);
  const last = page[page.length - 1];
  const response: Record<string, unknown> = { messages: page.map(toMessageJson), total };
  if (last && start + limit < messages.length) response['nextCursor'] = Buffer.from(JSON.stringify({ lastSort: [last.dateAddedMs], lastId: last.id })).toString('base64');
  return ok(response);
}

function createConversation(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  const problems: string[] = [];
  if (!readString(body, 'locationId')) problems.push('locationId should not be empty');
  if (!readString(body, 'contactId')) problems.push('contactId should not be empty');
  if (problems.length > 0) failValidation(problems);
  const { data } = requireLocationAccess(runtime, context, readString(body, 'locationId'));
  const contact = data.contacts.get(readString(body, 'contactId') ?? '');
  if (!contact) fail(400, 'Contact not found');
  if (data.conversationIdByContact.has(contact.id)) fail(400, 'Conversation already exists');
  const conversation = ensureConversation(runtime, data, contact, context.nowMs);
  return ok(
    {
      success: true,
      conversation: {
        id: conversation.id,
        dateUpdated: conversation.dateUpdated,
        dateAdded: conversation.dateAdded,
        deleted: false,
        contactId: contact.id,
        locationId: contact.locationId,
        lastMessageDate: conversation.dateAdded,
        assignedTo: conversation.assignedTo,
      },
    },
    201,
  );
}

function updateConversation(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const body = asRecord(context.body);
  if (!readString(body, 'locationId')) failValidation(['locationId should not be empty']);
  const { data, conversation } = findConversation(runtime, context);
  if (readString(body, 'locationId') !== conversation.locationId) fail(403, 'The token does not have access to this location.');
  const unreadBefore = conversation.unreadCount;
  const unreadCount = readNumber(body, 'unreadCount');
  if (unreadCount !== undefined) conversation.unreadCount = Math.max(0, Math.trunc(unreadCount));
  const starred = readBoolean(body, 'starred');
  if (starred !== undefined) conversation.starred = starred;
  conversation.dateUpdated = toIso(context.nowMs);
  if (unreadBefore !== conversation.unreadCount || starred !== undefined) emitEvent(runtime, conversation.locationId, buildConversationUnreadPayload(conversation));
  const contact = data.contacts.get(conversation.contactId);
  return ok({
    success: true,
    conversation: {
      id: conversation.id,
      locationId: conversation.locationId,
      contactId: conversation.contactId,
      assignedTo: conversation.assignedTo,
      lastMessageBody: conversation.lastMessageBody,
      lastMessageDate: toIso(conversation.lastMessageDateMs),
      lastMessageType: conversation.lastMessageType,
      unreadCount: conversation.unreadCount,
      inbox: conversation.inbox,
      starred: conversation.starred,
      deleted: conversation.deleted,
      fullName: contact?.name ?? '',
    },
  });
}

/** Removes the conversation and its messages; GHL has no webhook for it (UNCONFIRMED whether it keeps the messages). */
function deleteConversation(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { data, conversation } = findConversation(runtime, context);
  data.conversations.delete(conversation.id);
  if (data.conversationIdByContact.get(conversation.contactId) === conversation.id) data.conversationIdByContact.delete(conversation.contactId);
  runtime.store.removeConversationMessages(data, conversation.id);
  runtime.store.locationIdByRecordId.delete(conversation.id);
  return ok({ success: true });
}

export function createConversationRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  const family = 'conversations';
  const tokenRequirement = 'location';
  return [
    { method: 'GET', path: '/conversations/search', family, tokenRequirement, scope: 'conversations.readonly', handle: (context) => searchConversations(runtime, context) },
    { method: 'POST', path: '/conversations/', family, tokenRequirement, scope: 'conversations.write', handle: (context) => createConversation(runtime, context) },
    { method: 'GET', path: '/conversations/messages/export', family, tokenRequirement, scope: 'conversations/message.readonly', handle: (context) => exportMessages(runtime, context) },
    { method: 'POST', path: '/conversations/messages', family, tokenRequirement, scope: 'conversations/message.write', handle: (context) => sendMessage(runtime, context) },
    {
      method: 'GET', path: '/conversations/messages/:id', family, tokenRequirement, scope: 'conversations/message.readonly',
      handle: (context) => {
        const id = context.params['id'] ?? '';
        const { data } = requireRecordLocation(runtime, context, id, 'Message');
        const message = data.messages.get(id);
        if (!message) fail(404, 'Message not found');
        return ok(toMessageJson(message));
      },
    },
    { method: 'GET', path: '/conversations/:conversationId', family, tokenRequirement, scope: 'conversations.readonly', handle: (context) => ok(toConversationJson(findConversation(runtime, context).conversation)) },
    { method: 'PUT', path: '/conversations/:conversationId', family, tokenRequirement, scope: 'conversations.write', handle: (context) => updateConversation(runtime, context) },
    { method: 'DELETE', path: '/conversations/:conversationId', family, tokenRequirement, scope: 'conversations.write', handle: (context) => deleteConversation(runtime, context) },
    { method: 'GET', path: '/conversations/:conversationId/messages', family, tokenRequirement, scope: 'conversations/message.readonly', handle: (context) => listConversationMessages(runtime, context) },
  ];
}
