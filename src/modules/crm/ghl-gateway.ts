/**
 * The port through which crm reaches GoHighLevel: the calls its setup sync, reconciliation,
 * write-through and live reads make. crm declares it; the ghl module's client implements it
 * (structurally: neither module imports the other) and `src/main/wire.ts` hands it over. Shapes
 * name only the fields crm reads; GHL sends more, and any field may be missing.
 */

export interface GhlGatewayError {
  status: number;
  /**
   * not_found, unauthorized, forbidden, validation, rate_limited, server_error, bad_request, network;
   * `no_access` when the location has no usable GHL token (uninstalled, or re-authorisation needed).
   */
  code: string;
  message: string;
}

export type GhlAnswer<T> = { ok: true; data: T; status: number } | { ok: false; error: GhlGatewayError };

/**
 * GHL refused the request for a reason a retry cannot fix (validation, a missing record, a taken
 * slot). Rate limits, timeouts, 401 (refreshed by the client), missing access and 5xx are worth retrying.
 */
export function isGhlRefusal(error: GhlGatewayError): boolean {
  return error.code !== 'no_access' && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429 && error.status !== 401;
}

export function describeGhlError(error: GhlGatewayError): string {
  return `GHL answered ${error.status} (${error.code}): ${error.message}`;
}

export interface GhlLocationRecord { id: string; companyId?: string; name?: string; timezone?: string; email?: string; phone?: string }
export interface GhlCustomFieldRecord { id: string; name: string; fieldKey?: string; dataType?: string; model?: string }
export interface GhlUserRecord { id: string; firstName?: string; lastName?: string; email?: string; phone?: string; roles?: { role?: string; locationIds?: string[] }; deleted?: boolean }
export interface GhlContactRecord { id: string; dateAdded?: string; dateUpdated?: string; searchAfter?: unknown[] }
export interface GhlPipelineRecord { id: string; name: string; stages: { id: string; name: string; position?: number }[] }
export interface GhlOpportunityRecord { id: string; name?: string; pipelineId?: string; createdAt?: string; updatedAt?: string }
export interface GhlCalendarRecord { id: string; name?: string; isActive?: boolean; calendarType?: string }
export interface GhlAppointmentRecord { id: string; contactId?: string; startTime?: string; dateUpdated?: string }
export interface GhlConversationRecord { id: string; contactId?: string; unreadCount?: number }
export interface GhlMessageRecord { id: string }
export interface GhlInvoiceRecord { _id: string; updatedAt?: string }
export type GhlExportChannel = 'Call' | 'SMS' | 'Email' | 'WhatsApp' | 'Instagram' | 'Facebook';
export interface GhlMessageExportPage { messages: Record<string, unknown>[]; nextCursor?: string | null; total?: number }
type Body = Record<string, unknown>;
type Deleted = Record<string, unknown>;

export interface GhlGateway {
  // Location configuration (setup sync)
  getLocation(ghlLocationId: string): Promise<GhlAnswer<{ location: GhlLocationRecord }>>;
  listCustomFields(ghlLocationId: string, model?: 'contact' | 'opportunity' | 'all'): Promise<GhlAnswer<{ customFields: GhlCustomFieldRecord[] }>>;
  createCustomField(ghlLocationId: string, body: { name: string; dataType: string; model: 'contact' | 'opportunity' }): Promise<GhlAnswer<{ customField: GhlCustomFieldRecord }>>;
  listCustomValues(ghlLocationId: string): Promise<GhlAnswer<{ customValues: { id: string; name: string; fieldKey?: string; value?: string }[] }>>;
  listPipelines(ghlLocationId: string): Promise<GhlAnswer<{ pipelines: GhlPipelineRecord[] }>>;
  listCalendars(ghlLocationId: string): Promise<GhlAnswer<{ calendars: GhlCalendarRecord[] }>>;
  searchUsers(ghlLocationId: string, ghlCompanyId: string, page: { skip: number; limit: number }): Promise<GhlAnswer<{ users: GhlUserRecord[] }>>;

  // Contacts, notes, tasks
  searchContacts(ghlLocationId: string, body: { pageLimit: number; searchAfter?: unknown[]; filters?: unknown[]; sort?: unknown[] }): Promise<GhlAnswer<{ contacts: GhlContactRecord[] }>>;
  getContact(ghlLocationId: string, contactId: string): Promise<GhlAnswer<{ contact: GhlContactRecord }>>;
  createContact(ghlLocationId: string, body: Body): Promise<GhlAnswer<{ contact: GhlContactRecord }>>;
  updateContact(ghlLocationId: string, contactId: string, body: Body): Promise<GhlAnswer<{ contact: GhlContactRecord }>>;
  deleteContact(ghlLocationId: string, contactId: string): Promise<GhlAnswer<Deleted>>;
  getNote(ghlLocationId: string, contactId: string, noteId: string): Promise<GhlAnswer<{ note: { id: string } }>>;
  createNote(ghlLocationId: string, contactId: string, body: Body): Promise<GhlAnswer<{ note: { id: string } }>>;
  updateNote(ghlLocationId: string, contactId: string, noteId: string, body: Body): Promise<GhlAnswer<{ note: { id: string } }>>;
  deleteNote(ghlLocationId: string, contactId: string, noteId: string): Promise<GhlAnswer<Deleted>>;
  getTask(ghlLocationId: string, contactId: string, taskId: string): Promise<GhlAnswer<{ task: { id: string } }>>;
  createTask(ghlLocationId: string, contactId: string, body: Body): Promise<GhlAnswer<{ task: { id: string } }>>;
  updateTask(ghlLocationId: string, contactId: string, taskId: string, body: Body): Promise<GhlAnswer<{ task: { id: string } }>>;
  deleteTask(ghlLocationId: string, contactId: string, taskId: string): Promise<GhlAnswer<Deleted>>;

  // Opportunities
  searchOpportunities(
    ghlLocationId: string,
    query: { limit: number; startAfter?: string | undefined; startAfterId?: string | undefined; status?: string | undefined; contactId?: string | undefined },
  ): Promise<GhlAnswer<{ opportunities: GhlOpportunityRecord[]; meta?: { startAfter?: number | string | null; startAfterId?: string | null } }>>;
  getOpportunity(ghlLocationId: string, opportunityId: string): Promise<GhlAnswer<{ opportunity: GhlOpportunityRecord }>>;
  createOpportunity(ghlLocationId: string, body: Body): Promise<GhlAnswer<{ opportunity: GhlOpportunityRecord }>>;
  updateOpportunity(ghlLocationId: string, opportunityId: string, body: Body): Promise<GhlAnswer<{ opportunity: GhlOpportunityRecord }>>;
  deleteOpportunity(ghlLocationId: string, opportunityId: string): Promise<GhlAnswer<Deleted>>;

  // Calendars and appointments
  listCalendarEvents(ghlLocationId: string, query: { calendarId: string; startTimeMs: number; endTimeMs: number }): Promise<GhlAnswer<{ events: GhlAppointmentRecord[] }>>;
  getFreeSlots(ghlLocationId: string, calendarId: string, query: { startDateMs: number; endDateMs: number; timezone?: string | undefined }): Promise<GhlAnswer<Record<string, unknown>>>;
  getAppointment(ghlLocationId: string, eventId: string): Promise<GhlAnswer<{ event?: GhlAppointmentRecord; appointment?: GhlAppointmentRecord }>>;
  createAppointment(ghlLocationId: string, body: Body): Promise<GhlAnswer<GhlAppointmentRecord>>;
  updateAppointment(ghlLocationId: string, eventId: string, body: Body): Promise<GhlAnswer<GhlAppointmentRecord>>;
  deleteCalendarEvent(ghlLocationId: string, eventId: string): Promise<GhlAnswer<Deleted>>;

  // Conversations and messages
  searchConversations(ghlLocationId: string, query: { limit: number; startAfterDate?: number | undefined }): Promise<GhlAnswer<{ conversations: GhlConversationRecord[] }>>;
  listMessages(ghlLocationId: string, conversationId: string, query: { limit: number }): Promise<GhlAnswer<{ messages: { messages?: GhlMessageRecord[] } | GhlMessageRecord[] }>>;
  exportMessages(
    ghlLocationId: string,
    query: { limit: number; cursor?: string | undefined; sortBy?: 'createdAt' | 'updatedAt'; sortOrder?: 'asc' | 'desc'; startDate?: string | undefined; channel?: GhlExportChannel | undefined },
  ): Promise<GhlAnswer<GhlMessageExportPage>>;
  sendMessage(ghlLocationId: string, body: { type: 'SMS' | 'Email'; contactId: string; message?: string; html?: string; subject?: string }): Promise<GhlAnswer<{ conversationId: string; messageId: string }>>;

  // Invoices
  getInvoice(ghlLocationId: string, invoiceId: string): Promise<GhlAnswer<GhlInvoiceRecord>>;
  listInvoicesByIssueDate(ghlLocationId: string, page: { limit: number; offset: number }): Promise<GhlAnswer<{ invoices: GhlInvoiceRecord[]; total: number }>>;
}
