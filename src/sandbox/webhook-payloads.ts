import type { CalendarEvent, Contact, Conversation, Invoice, Message, Note, Opportunity, Task } from './sandbox-store.js';

/** Payload shapes follow the official examples in reference/ghl/webhooks/*.json. */

export type WebhookPayload = Record<string, unknown> & { type: string };

export function buildContactPayload(type: 'ContactCreate' | 'ContactUpdate' | 'ContactDelete' | 'ContactTagUpdate' | 'ContactDndUpdate', contact: Contact): WebhookPayload {
  const payload: WebhookPayload = {
    type,
    locationId: contact.locationId,
    id: contact.id,
    address1: contact.address1,
    city: contact.city,
    state: contact.state,
    companyName: contact.companyName,
    country: contact.country,
    source: contact.source,
    dateAdded: contact.dateAdded,
    dateOfBirth: contact.dateOfBirth,
    dnd: contact.dnd,
    email: contact.email,
    name: contact.name,
    firstName: contact.firstName,
    lastName: contact.lastName,
    phone: contact.phone,
    postalCode: contact.postalCode,
    tags: contact.tags,
    website: contact.website,
    // Leftover field that GHL never populates (highlevel-api-docs issue #324).
    attachments: [],
    assignedTo: contact.assignedTo,
    customFields: contact.customFields,
  };
  if (type === 'ContactDndUpdate') payload['dndSettings'] = contact.dndSettings;
  return payload;
}

export function buildNotePayload(type: 'NoteCreate' | 'NoteUpdate' | 'NoteDelete', note: Note): WebhookPayload {
  return { type, locationId: note.locationId, id: note.id, body: note.body, contactId: note.contactId, dateAdded: note.dateAdded };
}

export function buildTaskPayload(type: 'TaskCreate' | 'TaskComplete' | 'TaskDelete', task: Task): WebhookPayload {
  return {
    type,
    locationId: task.locationId,
    id: task.id,
    assignedTo: task.assignedTo,
    body: task.body,
    contactId: task.contactId,
    title: task.title,
    dateAdded: task.dateAdded,
    dueDate: task.dueDate,
  };
}

export type OpportunityEventType =
  | 'OpportunityCreate'
  | 'OpportunityUpdate'
  | 'OpportunityDelete'
  | 'OpportunityStatusUpdate'
  | 'OpportunityStageUpdate'
  | 'OpportunityMonetaryValueUpdate'
  | 'OpportunityAssignedToUpdate';

export function buildOpportunityPayload(type: OpportunityEventType, opportunity: Opportunity): WebhookPayload {
  return {
    type,
    locationId: opportunity.locationId,
    id: opportunity.id,
    assignedTo: opportunity.assignedTo,
    contactId: opportunity.contactId,
    monetaryValue: opportunity.monetaryValue,
    name: opportunity.name,
    pipelineId: opportunity.pipelineId,
    pipelineStageId: opportunity.pipelineStageId,
    source: opportunity.source,
    status: opportunity.status,
    dateAdded: opportunity.createdAt,
  };
}

export function buildAppointmentPayload(type: 'AppointmentCreate' | 'AppointmentUpdate' | 'AppointmentDelete', event: CalendarEvent): WebhookPayload {
  return {
    type,
    locationId: event.locationId,
    appointment: {
      id: event.id,
      address: event.address,
      title: event.title,
      calendarId: event.calendarId,
      contactId: event.contactId,
      groupId: event.groupId,
      appointmentStatus: event.appointmentStatus,
      assignedUserId: event.assignedUserId,
      users: event.users,
      notes: event.notes,
      source: 'api',
      startTime: event.startTime,
      endTime: event.endTime,
      dateAdded: event.dateAdded,
      dateUpdated: event.dateUpdated,
    },
  };
}

/** REST `TYPE_*` names map to the short names webhooks use (ghl-api.md §7.7). */
const WEBHOOK_MESSAGE_TYPES: Record<string, string> = {
  TYPE_SMS: 'SMS',
  TYPE_CALL: 'CALL',
  TYPE_EMAIL: 'Email',
  TYPE_WHATSAPP: 'WhatsApp',
  TYPE_FACEBOOK: 'FB',
  TYPE_INSTAGRAM: 'IG',
  TYPE_GMB: 'GMB',
  TYPE_LIVE_CHAT: 'Live Chat',
};

export function buildMessagePayload(type: 'InboundMessage' | 'OutboundMessage', message: Message): WebhookPayload {
  const payload: WebhookPayload = {
    type,
    locationId: message.locationId,
    attachments: message.attachments,
    body: message.body,
    contactId: message.contactId,
    contentType: message.contentType,
    conversationId: message.conversationId,
    dateAdded: message.dateAdded,
    direction: message.direction,
    messageType: WEBHOOK_MESSAGE_TYPES[message.messageType] ?? message.messageType,
    messageId: message.id,
    status: message.status,
  };
  if (message.meta) {
    // Webhooks report the call outcome as the status too (InboundMessage call examples).
    payload['status'] = message.meta.callStatus;
    payload['callDuration'] = Number(message.meta.callDuration);
    payload['callStatus'] = message.meta.callStatus;
  }
  if (message.userId) payload['userId'] = message.userId;
  if (type === 'OutboundMessage') payload['source'] = message.source;
  return payload;
}

export function buildConversationUnreadPayload(conversation: Conversation): WebhookPayload {
  return {
    type: 'ConversationUnreadUpdate',
    locationId: conversation.locationId,
    id: conversation.id,
    contactId: conversation.contactId,
    deleted: conversation.deleted,
    inbox: conversation.inbox,
    starred: conversation.starred,
    unreadCount: conversation.unreadCount,
  };
}

export type InvoiceEventType = 'InvoiceCreate' | 'InvoiceUpdate' | 'InvoiceSent' | 'InvoicePaid' | 'InvoicePartiallyPaid' | 'InvoiceVoid' | 'InvoiceDelete';

/**
 * The official invoice examples carry no `type` and no `locationId` (the location is `altId`).
 * UNCONFIRMED: real deliveries are believed to carry `type` (the integration guide switches on it), so it is sent.
 */
export function buildInvoicePayload(type: InvoiceEventType, invoice: Invoice): WebhookPayload {
  const { createdAtMs: _createdAtMs, ...document } = invoice;
  return { type, ...document };
}
