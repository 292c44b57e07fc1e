import type { HttpClient } from '../../../platform/http-client/index.js';
import { buildUrl, GhlAccessUnavailableError, GHL_VERSIONS, readGhlError, subjectKey, type GhlFamily, type GhlResult, type GhlSubject } from './ghl-http.js';

/** Supplies access tokens; implemented by the token vault (refresh is its business, not the client's). */
export interface GhlTokenSource {
  getAccessToken(subject: GhlSubject): Promise<string>;
  /** Called once after a 401 with the token that failed; returns a fresh one (single-flight inside). */
  refreshAfterUnauthorized(subject: GhlSubject, rejectedToken: string): Promise<string>;
}

export interface GhlCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path template for metrics, e.g. `/contacts/{contactId}`. */
  template: string;
  path: string;
  family?: GhlFamily;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

export interface GhlClientOptions {
  http: HttpClient;
  apiBaseUrl: string;
  clientId: string;
  tokens: GhlTokenSource;
}

/** The only way the product talks to GHL's REST API. */
export class GhlClient {
  constructor(private readonly options: GhlClientOptions) {}

  async call<T>(subject: GhlSubject, call: GhlCall): Promise<GhlResult<T>> {
    try {
      return await this.send<T>(subject, call);
    } catch (error) {
      if (!(error instanceof GhlAccessUnavailableError)) throw error;
      return { ok: false, error: { status: 401, code: 'no_access', message: error.message, traceId: undefined } };
    }
  }

  private async send<T>(subject: GhlSubject, call: GhlCall): Promise<GhlResult<T>> {
    let token = await this.options.tokens.getAccessToken(subject);
    for (let attempt = 1; attempt <= 2; attempt += 1) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${token}`,
        version: GHL_VERSIONS[call.family ?? 'default'],
        accept: 'application/json',
      };
      if (call.body !== undefined) headers['content-type'] = 'application/json';
      const response = await this.options.http.send({
        method: call.method,
        url: buildUrl(this.options.apiBaseUrl, call.path, call.query),
        headers,
        ...(call.body !== undefined ? { body: JSON.stringify(call.body) } : {}),
        endpoint: `${call.method} ${call.template}`,
        rateKey: `ghl:${this.options.clientId}:${subjectKey(subject)}`,
      });
      if (response.status === 401 && attempt === 1) {
        // Expired or revoked: one refresh, one retry (ghl-api.md §8); a second 401 is final.
        token = await this.options.tokens.refreshAfterUnauthorized(subject, token);
        continue;
      }
      if (response.status >= 200 && response.status < 300) {
        const data = (response.text.length > 0 ? JSON.parse(response.text) : {}) as T;
        return { ok: true, data, status: response.status };
      }
      return { ok: false, error: readGhlError(response) };
    }
    throw new Error('unreachable');
  }

  // Locations (sub-accounts)
  getLocation(ghlLocationId: string) {
    return this.call<{ location: GhlLocation }>(location(ghlLocationId), { method: 'GET', template: '/locations/{locationId}', path: `/locations/${enc(ghlLocationId)}` });
  }
  listCustomFields(ghlLocationId: string, model: 'contact' | 'opportunity' | 'all' = 'all') {
    return this.call<{ customFields: GhlCustomField[] }>(location(ghlLocationId), { method: 'GET', template: '/locations/{locationId}/customFields', path: `/locations/${enc(ghlLocationId)}/customFields`, query: { model } });
  }
  createCustomField(ghlLocationId: string, body: { name: string; dataType: string; model: 'contact' | 'opportunity'; placeholder?: string }) {
    return this.call<{ customField: GhlCustomField }>(location(ghlLocationId), { method: 'POST', template: '/locations/{locationId}/customFields', path: `/locations/${enc(ghlLocationId)}/customFields`, body });
  }
  listCustomValues(ghlLocationId: string) {
    return this.call<{ customValues: { id: string; name: string; fieldKey?: string; value?: string }[] }>(location(ghlLocationId), { method: 'GET', template: '/locations/{locationId}/customValues', path: `/locations/${enc(ghlLocationId)}/customValues` });
  }
  listTags(ghlLocationId: string) {
    return this.call<{ tags: { id: string; name: string }[] }>(location(ghlLocationId), { method: 'GET', template: '/locations/{locationId}/tags', path: `/locations/${enc(ghlLocationId)}/tags` });
  }

  // Users
  searchUsers(ghlLocationId: string, ghlCompanyId: string, page: { skip: number; limit: number }) {
    return this.call<{ users: GhlUser[]; count?: number }>(location(ghlLocationId), { method: 'GET', template: '/users/search', path: '/users/search', query: { companyId: ghlCompanyId, locationId: ghlLocationId, skip: String(page.skip), limit: String(page.limit) } });
  }

  // Contacts
  searchContacts(ghlLocationId: string, body: { pageLimit: number; page?: number; searchAfter?: unknown[]; filters?: unknown[]; sort?: unknown[] }) {
    return this.call<{ contacts: GhlContact[]; total: number }>(location(ghlLocationId), { method: 'POST', template: '/contacts/search', path: '/contacts/search', body: { locationId: ghlLocationId, ...body } });
  }
  getContact(ghlLocationId: string, contactId: string) {
    return this.call<{ contact: GhlContact }>(location(ghlLocationId), { method: 'GET', template: '/contacts/{contactId}', path: `/contacts/${enc(contactId)}` });
  }
  createContact(ghlLocationId: string, body: Record<string, unknown>) {
    return this.call<{ contact: GhlContact }>(location(ghlLocationId), { method: 'POST', template: '/contacts/', path: '/contacts/', body: { locationId: ghlLocationId, ...body } });
  }
  upsertContact(ghlLocationId: string, body: Record<string, unknown>) {
    return this.call<{ contact: GhlContact; new: boolean }>(location(ghlLocationId), { method: 'POST', template: '/contacts/upsert', path: '/contacts/upsert', body: { locationId: ghlLocationId, ...body } });
  }
  updateContact(ghlLocationId: string, contactId: string, body: Record<string, unknown>) {
    return this.call<{ contact: GhlContact; succeded?: boolean }>(location(ghlLocationId), { method: 'PUT', template: '/contacts/{contactId}', path: `/contacts/${enc(contactId)}`, body });
  }
  deleteContact(ghlLocationId: string, contactId: string) {
    return this.call<{ succeded?: boolean }>(location(ghlLocationId), { method: 'DELETE', template: '/contacts/{contactId}', path: `/contacts/${enc(contactId)}` });
  }

  // Notes and tasks of a contact
  createNote(ghlLocationId: string, contactId: string, body: Record<string, unknown>) {
    return this.call<{ note: GhlNote }>(location(ghlLocationId), { method: 'POST', template: '/contacts/{contactId}/notes', path: `/contacts/${enc(contactId)}/notes`, body });
  }
  getNote(ghlLocationId: string, contactId: string, noteId: string) {
    return this.call<{ note: GhlNote }>(location(ghlLocationId), { method: 'GET', template: '/contacts/{contactId}/notes/{id}', path: `/contacts/${enc(contactId)}/notes/${enc(noteId)}` });
  }
  updateNote(ghlLocationId: string, contactId: string, noteId: string, body: Record<string, unknown>) {
    return this.call<{ note: GhlNote }>(location(ghlLocationId), { method: 'PUT', template: '/contacts/{contactId}/notes/{id}', path: `/contacts/${enc(contactId)}/notes/${enc(noteId)}`, body });
  }
  deleteNote(ghlLocationId: string, contactId: string, noteId: string) {
    return this.call<{ succeded?: boolean }>(location(ghlLocationId), { method: 'DELETE', template: '/contacts/{contactId}/notes/{id}', path: `/contacts/${enc(contactId)}/notes/${enc(noteId)}` });
  }
  createTask(ghlLocationId: string, contactId: string, body: Record<string, unknown>) {
    return this.call<{ task: GhlTask }>(location(ghlLocationId), { method: 'POST', template: '/contacts/{contactId}/tasks', path: `/contacts/${enc(contactId)}/tasks`, body });
  }
  getTask(ghlLocationId: string, contactId: string, taskId: string) {
    return this.call<{ task: GhlTask }>(location(ghlLocationId), { method: 'GET', template: '/contacts/{contactId}/tasks/{taskId}', path: `/contacts/${enc(contactId)}/tasks/${enc(taskId)}` });
  }
  updateTask(ghlLocationId: string, contactId: string, taskId: string, body: Record<string, unknown>) {
    return this.call<{ task: GhlTask }>(location(ghlLocationId), { method: 'PUT', template: '/contacts/{contactId}/tasks/{taskId}', path: `/contacts/${enc(contactId)}/tasks/${enc(taskId)}`, body });
  }
  deleteTask(ghlLocationId: string, contactId: string, taskId: string) {
    return this.call<{ succeded?: boolean }>(location(ghlLocationId), { method: 'DELETE', template: '/contacts/{contactId}/tasks/{taskId}', path: `/contacts/${enc(contactId)}/tasks/${enc(taskId)}` });
  }

  // Opportunities
  listPipelines(ghlLocationId: string) {
    return this.call<{ pipelines: GhlPipeline[] }>(location(ghlLocationId), { method: 'GET', template: '/opportunities/pipelines', path: '/opportunities/pipelines', query: { locationId: ghlLocationId } });
  }
  searchOpportunities(ghlLocationId: string, query: { limit: number; startAfter?: string | undefined; startAfterId?: string | undefined; status?: string | undefined; contactId?: string | undefined }) {
    return this.call<{ opportunities: GhlOpportunity[]; meta?: { total?: number; startAfter?: number | string | null; startAfterId?: string | null } }>(location(ghlLocationId), {
      method: 'GET',
      template: '/opportunities/search',
      path: '/opportunities/search',
      query: { location_id: ghlLocationId, contact_id: query.contactId, limit: query.limit, startAfter: query.startAfter, startAfterId: query.startAfterId, status: query.status },
    });
  }
  getOpportunity(ghlLocationId: string, opportunityId: string) {
    return this.call<{ opportunity: GhlOpportunity }>(location(ghlLocationId), { method: 'GET', template: '/opportunities/{id}', path: `/opportunities/${enc(opportunityId)}` });
  }
  createOpportunity(ghlLocationId: string, body: Record<string, unknown>) {
    return this.call<{ opportunity: GhlOpportunity }>(location(ghlLocationId), { method: 'POST', template: '/opportunities/', path: '/opportunities/', body: { locationId: ghlLocationId, ...body } });
  }
  updateOpportunity(ghlLocationId: string, opportunityId: string, body: Record<string, unknown>) {
    return this.call<{ opportunity: GhlOpportunity }>(location(ghlLocationId), { method: 'PUT', template: '/opportunities/{id}', path: `/opportunities/${enc(opportunityId)}`, body });
  }
  updateOpportunityStatus(ghlLocationId: string, opportunityId: string, status: 'open' | 'won' | 'lost' | 'abandoned') {
    return this.call<{ succeded?: boolean }>(location(ghlLocationId), { method: 'PUT', template: '/opportunities/{id}/status', path: `/opportunities/${enc(opportunityId)}/status`, body: { status } });
  }
  deleteOpportunity(ghlLocationId: string, opportunityId: string) {
    return this.call<{ succeded?: boolean }>(location(ghlLocationId), { method: 'DELETE', template: '/opportunities/{id}', path: `/opportunities/${enc(opportunityId)}` });
  }

  // Calendars
  listCalendars(ghlLocationId: string) {
    return this.call<{ calendars: GhlCalendar[] }>(location(ghlLocationId), { method: 'GET', template: '/calendars/', path: '/calendars/', family: 'calendars', query: { locationId: ghlLocationId } });
  }
  listCalendarEvents(ghlLocationId: string, query: { calendarId: string; startTimeMs: number; endTimeMs: number }) {
    return this.call<{ events: GhlAppointment[] }>(location(ghlLocationId), {
      method: 'GET',
      template: '/calendars/events',
      path: '/calendars/events',
      family: 'calendars',
      query: { locationId: ghlLocationId, calendarId: query.calendarId, startTime: String(query.startTimeMs), endTime: String(query.endTimeMs) },
    });
  }
  async getFreeSlots(ghlLocationId: string, calendarId: string, query: { startDateMs: number; endDateMs: number; timezone?: string | undefined }) {
    const answer = await this.call<Record<string, { slots: string[] } | unknown>>(location(ghlLocationId), {
      method: 'GET',
      template: '/calendars/{calendarId}/free-slots',
      path: `/calendars/${enc(calendarId)}/free-slots`,
      family: 'calendars',
      query: { startDate: String(query.startDateMs), endDate: String(query.endDateMs), timezone: query.timezone },
    });
    // GHL's map of dates carries its `traceId` beside the date keys; it is not a day.
    if (answer.ok) delete answer.data['traceId'];
    return answer;
  }
  createAppointment(ghlLocationId: string, body: Record<string, unknown>) {
    return this.call<GhlAppointment>(location(ghlLocationId), { method: 'POST', template: '/calendars/events/appointments', path: '/calendars/events/appointments', family: 'calendars', body: { locationId: ghlLocationId, ...body } });
  }
  getAppointment(ghlLocationId: string, eventId: string) {
    return this.call<{ event?: GhlAppointment; appointment?: GhlAppointment }>(location(ghlLocationId), {
      method: 'GET',
      template: '/calendars/events/appointments/{eventId}',
      path: `/calendars/events/appointments/${enc(eventId)}`,
      family: 'calendars',
    });
  }
  updateAppointment(ghlLocationId: string, eventId: string, body: Record<string, unknown>) {
    return this.call<GhlAppointment>(location(ghlLocationId), { method: 'PUT', template: '/calendars/events/appointments/{eventId}', path: `/calendars/events/appointments/${enc(eventId)}`, family: 'calendars', body });
  }
  deleteCalendarEvent(ghlLocationId: string, eventId: string) {
    return this.call<{ succeeded?: boolean }>(location(ghlLocationId), { method: 'DELETE', template: '/calendars/events/{eventId}', path: `/calendars/events/${enc(eventId)}`, family: 'calendars' });
  }

  // Conversations
  searchConversations(ghlLocationId: string, query: { limit: number; startAfterDate?: number | undefined }) {
    return this.call<{ conversations: GhlConversation[]; total?: number }>(location(ghlLocationId), {
      method: 'GET',
      template: '/conversations/search',
      path: '/conversations/search',
      family: 'conversations',
      query: { locationId: ghlLocationId, limit: query.limit, startAfterDate: query.startAfterDate, sort: 'desc', sortBy: 'last_message_date' },
    });
  }
  listMessages(ghlLocationId: string, conversationId: string, query: { limit: number; lastMessageId?: string | undefined }) {
    return this.call<{ messages: { messages?: GhlMessage[]; lastMessageId?: string; nextPage?: boolean } | GhlMessage[]; lastMessageId?: string; nextPage?: boolean }>(location(ghlLocationId), {
      method: 'GET',
      template: '/conversations/{conversationId}/messages',
      path: `/conversations/${enc(conversationId)}/messages`,
      family: 'conversations',
      query: { limit: query.limit, lastMessageId: query.lastMessageId },
    });
  }
  sendMessage(ghlLocationId: string, body: { type: 'SMS' | 'Email'; contactId: string; message?: string; html?: string; subject?: string }) {
    return this.call<{ conversationId: string; messageId: string; msg?: string }>(location(ghlLocationId), { method: 'POST', template: '/conversations/messages', path: '/conversations/messages', family: 'conversations', body });
  }

  // Invoices
  getInvoice(ghlLocationId: string, invoiceId: string) {
    return this.call<GhlInvoice>(location(ghlLocationId), { method: 'GET', template: '/invoices/{invoiceId}', path: `/invoices/${enc(invoiceId)}`, query: { altId: ghlLocationId, altType: 'location' } });
  }
  listInvoices(ghlLocationId: string, page: { limit: number; offset: number }) {
    return this.call<{ invoices: GhlInvoice[]; total: number }>(location(ghlLocationId), {
      method: 'GET',
      template: '/invoices/',
      path: '/invoices/',
      query: { altId: ghlLocationId, altType: 'location', limit: String(page.limit), offset: String(page.offset) },
    });
  }

  // Reconciliation
  /** Bulk message export (ghl-api.md §7.7). Without `channel` GHL leaves out email messages. */
  exportMessages(ghlLocationId: string, query: { limit: number; cursor?: string | undefined; sortBy?: 'createdAt' | 'updatedAt'; sortOrder?: 'asc' | 'desc'; startDate?: string | undefined; channel?: GhlExportChannel | undefined }) {
    return this.call<GhlMessageExport>(location(ghlLocationId), {
      method: 'GET',
      template: '/conversations/messages/export',
      path: '/conversations/messages/export',
      family: 'conversations',
      query: { locationId: ghlLocationId, limit: query.limit, cursor: query.cursor, sortBy: query.sortBy, sortOrder: query.sortOrder, startDate: query.startDate, channel: query.channel },
    });
  }
  /** Oldest issue date first, so invoices created while we page land on later pages instead of shifting the offsets. */
  listInvoicesByIssueDate(ghlLocationId: string, page: { limit: number; offset: number }) {
    return this.call<{ invoices: GhlInvoice[]; total: number }>(location(ghlLocationId), {
      method: 'GET',
      template: '/invoices/',
      path: '/invoices/',
      query: { altId: ghlLocationId, altType: 'location', limit: String(page.limit), offset: String(page.offset), sortField: 'issueDate', sortOrder: 'ascend' },
    });
  }
}

function location(ghlLocationId: string): GhlSubject {
  return { kind: 'location', ghlLocationId };
}

function enc(value: string): string {
  return encodeURIComponent(value);
}

/** Fields the product reads; GHL sends more, and every field may be missing in some payloads. */
export interface GhlLocation { id: string; companyId?: string; name?: string; timezone?: string; email?: string; phone?: string }
export interface GhlCustomField { id: string; name: string; fieldKey?: string; dataType?: string; model?: string }
export interface GhlUser { id: string; name?: string; firstName?: string; lastName?: string; email?: string; phone?: string; roles?: { type?: string; role?: string; locationIds?: string[] }; deleted?: boolean }
export interface GhlContact { id: string; locationId?: string; firstName?: string | null; lastName?: string | null; email?: string | null; phone?: string | null; tags?: string[]; dnd?: boolean; source?: string | null; assignedTo?: string | null; dateAdded?: string; dateUpdated?: string; customFields?: { id: string; value?: unknown }[]; searchAfter?: unknown[] }
export interface GhlNote { id: string; body?: string; contactId?: string; userId?: string; dateAdded?: string }
export interface GhlTask { id: string; title?: string; body?: string; contactId?: string; assignedTo?: string; dueDate?: string; completed?: boolean }
export interface GhlPipeline { id: string; name: string; stages: { id: string; name: string; position?: number }[] }
export interface GhlOpportunity { id: string; name?: string; monetaryValue?: number | string | null; pipelineId?: string; pipelineStageId?: string; status?: string; contactId?: string; assignedTo?: string | null; createdAt?: string; updatedAt?: string; customFields?: { id: string; fieldValue?: unknown }[] }
export interface GhlCalendar { id: string; name?: string; isActive?: boolean; calendarType?: string }
export interface GhlAppointment { id: string; calendarId?: string; contactId?: string; title?: string; appointmentStatus?: string; startTime?: string; endTime?: string; dateUpdated?: string; assignedUserId?: string }
export interface GhlConversation { id: string; contactId?: string; lastMessageDate?: number; unreadCount?: number; type?: string }
export interface GhlMessage { id: string; conversationId?: string; contactId?: string; body?: string; direction?: string; messageType?: string; status?: string; dateAdded?: string }
export interface GhlInvoice { _id: string; status?: string; invoiceNumber?: string; total?: number; amountDue?: number; amountPaid?: number; currency?: string; updatedAt?: string }
export type GhlExportChannel = 'Call' | 'SMS' | 'Email' | 'WhatsApp' | 'Instagram' | 'Facebook';
export interface GhlMessageExport { messages: Record<string, unknown>[]; nextCursor?: string | null; total?: number }
