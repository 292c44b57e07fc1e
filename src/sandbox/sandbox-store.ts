/**
 * In-memory state of the simulated agency. Entities are kept in the shape GHL returns them so
 * answers need no mapping on the hot path; fields ending in `Ms` are internal and stripped on output.
 */

export interface DndSetting {
  status: 'active' | 'inactive' | 'permanent';
  message: string;
  code: string;
}

export interface CustomFieldValue {
  id: string;
  value: unknown;
}

export interface Company {
  id: string;
  name: string;
  email: string;
  isWhitelabelCompany: boolean;
  domain: string;
}

export interface Location {
  id: string;
  companyId: string;
  name: string;
  domain: string;
  address: string;
  city: string;
  state: string;
  country: string;
  postalCode: string;
  website: string;
  timezone: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  logoUrl: string;
  business: Record<string, string>;
  social: Record<string, string>;
  settings: {
    allowDuplicateContact: boolean;
    allowDuplicateOpportunity: boolean;
    allowFacebookNameMerge: boolean;
    disableContactTimezone: boolean;
  };
}

export interface User {
  id: string;
  companyId: string;
  name: string;
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  extension: string;
  permissions: Record<string, boolean>;
  roles: { type: 'agency' | 'account'; role: 'admin' | 'user'; locationIds: string[]; restrictSubAccount: boolean };
  deleted: boolean;
}

export interface CustomField {
  id: string;
  name: string;
  fieldKey: string;
  placeholder: string;
  dataType: string;
  position: number;
  picklistOptions: string[];
  isAllowedCustomOption: boolean;
  isMultiFileAllowed: boolean;
  maxFileLimit: number;
  locationId: string;
  model: 'contact' | 'opportunity';
}

export interface CustomValue {
  id: string;
  name: string;
  fieldKey: string;
  value: string;
  locationId: string;
}

export interface LocationTag {
  id: string;
  name: string;
  locationId: string;
}

export interface Contact {
  id: string;
  locationId: string;
  firstName: string;
  lastName: string;
  name: string;
  email: string;
  phone: string;
  companyName: string;
  address1: string;
  city: string;
  state: string;
  country: string;
  postalCode: string;
  website: string;
  timezone: string;
  dnd: boolean;
  dndSettings: Record<string, DndSetting>;
  type: string;
  source: string;
  assignedTo: string;
  tags: string[];
  dateOfBirth: string;
  customFields: CustomFieldValue[];
  dateAdded: string;
  dateUpdated: string;
  dateAddedMs: number;
  dateUpdatedMs: number;
}

export interface Note {
  id: string;
  contactId: string;
  locationId: string;
  body: string;
  userId: string;
  dateAdded: string;
}

export interface Task {
  id: string;
  contactId: string;
  locationId: string;
  title: string;
  body: string;
  assignedTo: string;
  dueDate: string;
  completed: boolean;
  dateAdded: string;
}

export interface PipelineStage {
  id: string;
  name: string;
  position: number;
  showInFunnel: boolean;
  showInPieChart: boolean;
}

export interface Pipeline {
  id: string;
  name: string;
  stages: PipelineStage[];
  showInFunnel: boolean;
  showInPieChart: boolean;
  locationId: string;
  colorRenderMode: 'dot' | 'bg-tint' | 'none';
}

export type OpportunityStatus = 'open' | 'won' | 'lost' | 'abandoned';

export interface Opportunity {
  id: string;
  name: string;
  monetaryValue: number;
  pipelineId: string;
  pipelineStageId: string;
  assignedTo: string;
  status: OpportunityStatus;
  source: string;
  lastStatusChangeAt: string;
  lastStageChangeAt: string;
  createdAt: string;
  updatedAt: string;
  contactId: string;
  locationId: string;
  lostReasonId: string;
  customFields: { id: string; fieldValue: unknown }[];
  createdAtMs: number;
}

export interface Calendar {
  id: string;
  locationId: string;
  name: string;
  description: string;
  slug: string;
  widgetSlug: string;
  calendarType: 'round_robin' | 'event' | 'personal';
  eventType: 'RoundRobin_OptimizeForAvailability';
  teamMembers: { userId: string; priority: number; isPrimary: boolean }[];
  slotDuration: number;
  slotDurationUnit: 'mins';
  slotInterval: number;
  slotIntervalUnit: 'mins';
  openHours: { daysOfTheWeek: number[]; hours: { openHour: number; openMinute: number; closeHour: number; closeMinute: number }[] }[];
  isActive: boolean;
  groupId: string;
}

export interface CalendarEvent {
  id: string;
  calendarId: string;
  locationId: string;
  contactId: string;
  groupId: string;
  title: string;
  address: string;
  appointmentStatus: string;
  assignedUserId: string;
  users: string[];
  notes: string;
  description: string;
  meetingLocationType: string;
  startTime: string;
  endTime: string;
  dateAdded: string;
  dateUpdated: string;
  isBlockSlot: boolean;
  startMs: number;
  endMs: number;
}

export interface Conversation {
  id: string;
  locationId: string;
  contactId: string;
  type: 'TYPE_PHONE' | 'TYPE_EMAIL';
  unreadCount: number;
  starred: boolean;
  inbox: boolean;
  deleted: boolean;
  assignedTo: string;
  lastMessageBody: string;
  lastMessageType: string;
  lastMessageDirection: 'inbound' | 'outbound';
  lastMessageDateMs: number;
  dateAdded: string;
  dateUpdated: string;
}

export interface Message {
  id: string;
  type: number;
  messageType: string;
  locationId: string;
  contactId: string;
  conversationId: string;
  dateAdded: string;
  body: string;
  direction: 'inbound' | 'outbound';
  status: string;
  contentType: string;
  attachments: string[];
  source: 'workflow' | 'bulk_actions' | 'campaign' | 'api' | 'app';
  userId: string;
  /** Calls only: the call outcome lives in meta, the message status stays a delivery status. */
  meta?: { callDuration: string; callStatus: string };
  dateAddedMs: number;
}

export type InvoiceStatus = 'draft' | 'sent' | 'payment_processing' | 'paid' | 'void' | 'partially_paid';

export interface InvoiceItem {
  _id: string;
  name: string;
  description: string;
  productId: string;
  priceId: string;
  currency: string;
  amount: number;
  qty: number;
  taxes: unknown[];
}

export interface Invoice {
  _id: string;
  status: InvoiceStatus;
  liveMode: boolean;
  amountPaid: number;
  altId: string;
  altType: 'location';
  name: string;
  title: string;
  invoiceNumber: string;
  currency: string;
  businessDetails: Record<string, unknown>;
  contactDetails: Record<string, unknown>;
  issueDate: string;
  dueDate: string;
  discount: { type: 'percentage' | 'fixed'; value: number };
  invoiceItems: InvoiceItem[];
  total: number;
  amountDue: number;
  totalSummary: { subTotal: number; discount: number; tax: number };
  createdAt: string;
  updatedAt: string;
  createdAtMs: number;
}

export interface LostReason {
  id: string;
  name: string;
  locationId: string;
  createdAt: string;
  updatedAt: string;
}

/** Per-location collections; Maps keep insertion order, which the generator makes chronological. */
export interface LocationData {
  contacts: Map<string, Contact>;
  contactIdByEmail: Map<string, string>;
  contactIdByPhone: Map<string, string>;
  customFields: Map<string, CustomField>;
  customValues: Map<string, CustomValue>;
  tags: Map<string, LocationTag>;
  pipelines: Map<string, Pipeline>;
  lostReasons: Map<string, LostReason>;
  opportunities: Map<string, Opportunity>;
  calendars: Map<string, Calendar>;
  events: Map<string, CalendarEvent>;
  conversations: Map<string, Conversation>;
  conversationIdByContact: Map<string, string>;
  messages: Map<string, Message>;
  invoices: Map<string, Invoice>;
  nextInvoiceNumber: number;
  /** Bumped on every contact write so cached sort orders can be dropped. */
  contactsVersion: number;
  /** Same for opportunities. */
  opportunitiesVersion: number;
  /** Same for messages (conversation deletes remove them). */
  messagesVersion: number;
}

export function createLocationData(): LocationData {
  return {
    contacts: new Map(),
    contactIdByEmail: new Map(),
    contactIdByPhone: new Map(),
    customFields: new Map(),
    customValues: new Map(),
    tags: new Map(),
    pipelines: new Map(),
    lostReasons: new Map(),
    opportunities: new Map(),
    calendars: new Map(),
    events: new Map(),
    conversations: new Map(),
    conversationIdByContact: new Map(),
    messages: new Map(),
    invoices: new Map(),
    nextInvoiceNumber: 1,
    contactsVersion: 0,
    opportunitiesVersion: 0,
    messagesVersion: 0,
  };
}

export class SandboxStore {
  readonly locations = new Map<string, Location>();
  readonly users = new Map<string, User>();
  readonly dataByLocation = new Map<string, LocationData>();
  /** Global id → owning location, so a lookup by id can answer 403 for another location's record. */
  readonly locationIdByRecordId = new Map<string, string>();
  readonly notesByContact = new Map<string, Note[]>();
  readonly tasksByContact = new Map<string, Task[]>();
  readonly messagesByConversation = new Map<string, Message[]>();

  constructor(readonly company: Company) {}

  addLocation(location: Location): LocationData {
    this.locations.set(location.id, location);
    const data = createLocationData();
    this.dataByLocation.set(location.id, data);
    return data;
  }

  getLocationData(locationId: string): LocationData | undefined {
    return this.dataByLocation.get(locationId);
  }

  indexRecord(recordId: string, locationId: string): void {
    this.locationIdByRecordId.set(recordId, locationId);
  }

  findRecordLocationId(recordId: string): string | undefined {
    return this.locationIdByRecordId.get(recordId);
  }

  putContact(contact: Contact): void {
    const data = this.dataByLocation.get(contact.locationId);
    if (!data) throw new Error(`unknown location ${contact.locationId}`);
    const previous = data.contacts.get(contact.id);
    if (previous) {
      if (previous.email) data.contactIdByEmail.delete(previous.email.toLowerCase());
      if (previous.phone) data.contactIdByPhone.delete(previous.phone);
    }
    data.contacts.set(contact.id, contact);
    if (contact.email) data.contactIdByEmail.set(contact.email.toLowerCase(), contact.id);
    if (contact.phone) data.contactIdByPhone.set(contact.phone, contact.id);
    data.contactsVersion++;
    this.indexRecord(contact.id, contact.locationId);
  }

  removeContact(contact: Contact): void {
    const data = this.dataByLocation.get(contact.locationId);
    if (!data) return;
    data.contacts.delete(contact.id);
    if (contact.email) data.contactIdByEmail.delete(contact.email.toLowerCase());
    if (contact.phone) data.contactIdByPhone.delete(contact.phone);
    data.contactsVersion++;
    this.locationIdByRecordId.delete(contact.id);
  }

  addMessage(data: LocationData, message: Message): void {
    data.messages.set(message.id, message);
    let list = this.messagesByConversation.get(message.conversationId);
    if (!list) {
      list = [];
      this.messagesByConversation.set(message.conversationId, list);
    }
    list.push(message);
    data.messagesVersion++;
    this.indexRecord(message.id, message.locationId);
  }

  removeConversationMessages(data: LocationData, conversationId: string): void {
    for (const message of this.messagesByConversation.get(conversationId) ?? []) {
      data.messages.delete(message.id);
      this.locationIdByRecordId.delete(message.id);
    }
    this.messagesByConversation.delete(conversationId);
    data.messagesVersion++;
  }

  summarize(): Record<string, unknown> {
    const locations = [...this.dataByLocation.entries()].map(([locationId, data]) => ({
      locationId,
      name: this.locations.get(locationId)?.name,
      contacts: data.contacts.size,
      opportunities: data.opportunities.size,
      pipelines: data.pipelines.size,
      calendars: data.calendars.size,
      events: data.events.size,
      conversations: data.conversations.size,
      messages: data.messages.size,
      invoices: data.invoices.size,
      customFields: data.customFields.size,
    }));
    return { companyId: this.company.id, users: this.users.size, locations };
  }
}
