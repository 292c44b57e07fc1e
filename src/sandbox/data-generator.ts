import { SeededRandom } from './random.js';
import {
  SandboxStore,
  type Calendar,
  type CalendarEvent,
  type Contact,
  type Conversation,
  type CustomField,
  type DndSetting,
  type Invoice,
  type Location,
  type LocationData,
  type Message,
  type Opportunity,
  type OpportunityStatus,
  type Pipeline,
  type User,
} from './sandbox-store.js';

/** Generated history ends here (not "now") so that the same seed always yields byte-identical data. */
export const DATA_ANCHOR_MS = Date.UTC(2026, 5, 1);
const DAY_MS = 86_400_000;

export interface GeneratorCounts {
  locations: number;
  contacts: number;
  opportunities: number;
  appointments: number;
  conversations: number;
  invoices: number;
}

const FIRST_NAMES = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Carlos', 'Karen', 'Daniel', 'Lisa', 'Matthew', 'Nancy', 'Anthony', 'Sofia', 'Mark', 'Emily', 'Andrew', 'Olivia', 'Joshua', 'Ava', 'Kevin', 'Mia', 'Brian', 'Chloe', 'Raj', 'Priya', 'Wei', 'Mei', 'Luis', 'Ana', 'Ahmed', 'Fatima', 'Noah', 'Emma', 'Liam', 'Grace'];
const LAST_NAMES = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson', 'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores', 'Patel', 'Chen', 'Kim', 'Singh', 'Khan'];
const CITIES: readonly { city: string; state: string; postalCode: string; areaCodes: string[]; timezone: string }[] = [
  { city: 'Austin', state: 'TX', postalCode: '78701', areaCodes: ['512', '737'], timezone: 'America/Chicago' },
  { city: 'Dallas', state: 'TX', postalCode: '75201', areaCodes: ['214', '469', '972'], timezone: 'America/Chicago' },
  { city: 'New York', state: 'NY', postalCode: '10001', areaCodes: ['212', '646', '917'], timezone: 'America/New_York' },
  { city: 'Chicago', state: 'IL', postalCode: '60601', areaCodes: ['312', '773'], timezone: 'America/Chicago' },
  { city: 'Denver', state: 'CO', postalCode: '80202', areaCodes: ['303', '720'], timezone: 'America/Denver' },
  { city: 'Seattle', state: 'WA', postalCode: '98101', areaCodes: ['206', '425'], timezone: 'America/Los_Angeles' },
  { city: 'Miami', state: 'FL', postalCode: '33101', areaCodes: ['305', '786'], timezone: 'America/New_York' },
  { city: 'Phoenix', state: 'AZ', postalCode: '85001', areaCodes: ['602', '480'], timezone: 'America/Phoenix' },
  { city: 'Atlanta', state: 'GA', postalCode: '30301', areaCodes: ['404', '678'], timezone: 'America/New_York' },
  { city: 'Boston', state: 'MA', postalCode: '02108', areaCodes: ['617', '857'], timezone: 'America/New_York' },
];
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Cedar Ln', 'Elm St', 'Park Blvd', 'Lakeview Rd', 'Sunset Blvd', 'Hillcrest Ave', '1st St N'];
const COMPANY_WORDS = ['Acme', 'Bright', 'Summit', 'Blue Ridge', 'Evergreen', 'Pioneer', 'Northstar', 'Keystone', 'Harbor', 'Redwood'];
const COMPANY_SUFFIXES = ['Roofing', 'Dental', 'Fitness', 'Realty', 'Plumbing', 'Law Group', 'Landscaping', 'Auto Repair', 'Med Spa', 'HVAC'];
const TAG_NAMES = ['lead', 'customer', 'vip', 'newsletter', 'facebook lead', 'google ads', 'referral', 'cold', 'hot', 'follow up', 'webinar', 'no show'];
const SOURCES = ['facebook form', 'google ads', 'website form', 'referral', 'walk-in', 'api', 'zapier', 'chat widget'];
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net'];
const PRODUCTS = [
  { name: 'Consultation', amount: 150 },
  { name: 'Monthly Retainer', amount: 997 },
  { name: 'Setup Fee', amount: 499 },
  { name: 'Premium Package', amount: 2500 },
  { name: 'Maintenance Visit', amount: 89 },
];
const SMS_INBOUND = ['Hi, is this still available?', 'Can I book for Tuesday?', 'What are your prices?', 'Thanks!', 'Please call me back', 'Yes, that works for me', 'STOP'];
const SMS_OUTBOUND = ['Hi {name}, thanks for reaching out!', 'Your appointment is confirmed.', 'Just following up on your request.', 'Here is the link to book: https://example.com/book', 'Happy to help, {name}.'];

function toIso(ms: number): string {
  return new Date(ms).toISOString();
}

export function createDndSettings(status: DndSetting['status']): Record<string, DndSetting> {
  const settings: Record<string, DndSetting> = {};
  for (const channel of ['Call', 'Email', 'SMS', 'WhatsApp', 'GMB', 'FB']) settings[channel] = { status, message: '', code: '' };
  return settings;
}

/** A valid North-American E.164 number: NXX exchange, never an N11 service code. */
function createPhone(random: SeededRandom, areaCodes: readonly string[]): string {
  const exchange = random.nextInt(2, 10) * 100 + random.nextInt(0, 10) * 10 + random.nextInt(2, 10);
  const subscriber = String(random.nextInt(0, 10_000)).padStart(4, '0');
  return `+1${random.pick(areaCodes)}${exchange}${subscriber}`;
}

/**
 * Unique contact emails `first.last[N]@domain`: the first try has no number, each retry the next N
 * with a fresh random domain. Which (N, domain) pairs are taken is kept per name as a bit mask, so a
 * retry is one random draw and an array read instead of building and hashing a string: with a million
 * contacts each of the ~2,000 name pairs has ~450 holders and retries are counted in tens of millions.
 * The draws are the same as with a set of strings, so a seed yields the same data as before.
 */
class EmailAllocator {
  /** Per lower-cased `first.last`: index N (1 = no number) → bit per domain index. */
  private readonly takenByName = new Map<string, number[]>();

  allocate(random: SeededRandom, firstName: string, lastName: string): string {
    const name = `${firstName}.${lastName}`.toLowerCase();
    let taken = this.takenByName.get(name);
    if (!taken) {
      taken = [];
      this.takenByName.set(name, taken);
    }
    let n = 1;
    let domain = random.pickIndex(EMAIL_DOMAINS.length);
    while (((taken[n] ?? 0) & (1 << domain)) !== 0) {
      n++;
      domain = random.pickIndex(EMAIL_DOMAINS.length);
    }
    taken[n] = (taken[n] ?? 0) | (1 << domain);
    return `${name}${n === 1 ? '' : n}@${EMAIL_DOMAINS[domain]}`;
  }
}

export function generateSandboxData(seed: number, counts: GeneratorCounts): SandboxStore {
  const random = new SeededRandom(seed);
  const companyId = random.createGhlId();
  const store = new SandboxStore({
    id: companyId,
    name: 'Sandbox Agency',
    email: 'owner@sandbox-agency.example.com',
    isWhitelabelCompany: false,
    domain: 'app.sandbox-agency.example.com',
  });
  const agencyAdmin = createUser(random, companyId, 'agency', 'admin', []);
  agencyAdmin.firstName = 'Agency';
  agencyAdmin.lastName = 'Owner';
  agencyAdmin.name = 'Agency Owner';
  agencyAdmin.email = 'owner@sandbox-agency.example.com';
  store.users.set(agencyAdmin.id, agencyAdmin);

  const usedPhones = new Set<string>();
  const usedEmails = new EmailAllocator();
  for (let index = 0; index < counts.locations; index++) {
    const place = CITIES[index % CITIES.length] ?? CITIES[0];
    if (!place) throw new Error('no cities');
    const businessName = `${COMPANY_WORDS[index % COMPANY_WORDS.length] ?? 'Acme'} ${COMPANY_SUFFIXES[(index * 3) % COMPANY_SUFFIXES.length] ?? 'Co'}`;
    const location: Location = {
      id: random.createGhlId(),
      companyId,
      name: index === 0 ? businessName : `${businessName} ${place.city}`,
      domain: '',
      address: `${random.nextInt(100, 9999)} ${random.pick(STREETS)}`,
      city: place.city,
      state: place.state,
      country: 'US',
      postalCode: place.postalCode,
      website: `https://${businessName.toLowerCase().replace(/[^a-z]+/g, '-')}.example.com`,
      timezone: place.timezone,
      firstName: random.pick(FIRST_NAMES),
      lastName: random.pick(LAST_NAMES),
      email: `office${index + 1}@sandbox-agency.example.com`,
      phone: createPhone(random, place.areaCodes),
      logoUrl: '',
      business: { name: businessName, address: '', city: place.city, state: place.state, country: 'US', postalCode: place.postalCode, website: '', timezone: place.timezone },
      social: {},
      settings: { allowDuplicateContact: false, allowDuplicateOpportunity: false, allowFacebookNameMerge: false, disableContactTimezone: false },
    };
    const data = store.addLocation(location);
    agencyAdmin.roles.locationIds.push(location.id);
    const locationUsers: User[] = [];
    for (let u = 0; u < 3; u++) {
      const user = createUser(random, companyId, 'account', u === 0 ? 'admin' : 'user', [location.id]);
      store.users.set(user.id, user);
      locationUsers.push(user);
    }
    generateLocationSetup(random, store, location, data, locationUsers);
    generateContacts(random, store, location, data, locationUsers, counts.contacts, place.areaCodes, usedPhones, usedEmails);
    const contacts = [...data.contacts.values()];
    generateOpportunities(random, store, data, contacts, locationUsers, counts.opportunities);
    generateAppointments(random, store, location, data, contacts, counts.appointments);
    generateConversations(random, store, data, contacts, locationUsers, counts.conversations);
    generateInvoices(random, store, location, data, contacts, counts.invoices);
  }
  return store;
}

function createUser(random: SeededRandom, companyId: string, type: 'agency' | 'account', role: 'admin' | 'user', locationIds: string[]): User {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const id = random.createGhlId();
  return {
    id,
    companyId,
    name: `${firstName} ${lastName}`,
    firstName,
    lastName,
    email: `${firstName}.${lastName}.${id.slice(0, 5)}@sandbox-agency.example.com`.toLowerCase(),
    phone: createPhone(random, ['512']),
    extension: '',
    permissions: { contactsEnabled: true, opportunitiesEnabled: true, appointmentsEnabled: true, conversationsEnabled: true, invoiceEnabled: true, settingsEnabled: role === 'admin', assignedDataOnly: false },
    roles: { type, role, locationIds, restrictSubAccount: false },
    deleted: false,
  };
}

function generateLocationSetup(random: SeededRandom, store: SandboxStore, location: Location, data: LocationData, users: User[]): void {
  const fields: [string, string, string[]][] = [
    ['Lead Score', 'NUMERICAL', []],
    ['Preferred Contact Method', 'SINGLE_OPTIONS', ['Phone', 'Email', 'SMS']],
    ['Interests', 'MULTIPLE_OPTIONS', ['Product A', 'Product B', 'Service C']],
    ['Company Size', 'TEXT', []],
    ['Budget', 'MONETORY', []],
    ['Next Follow Up', 'DATE', []],
  ];
  fields.forEach(([name, dataType, options], position) => {
    const field: CustomField = {
      id: random.createGhlId(),
      name,
      fieldKey: `contact.${name.toLowerCase().replace(/ /g, '_')}`,
      placeholder: '',
      dataType,
      position: position * 50,
      picklistOptions: options,
      isAllowedCustomOption: false,
      isMultiFileAllowed: false,
      maxFileLimit: 0,
      locationId: location.id,
      model: 'contact',
    };
    data.customFields.set(field.id, field);
  });
  const dealType: CustomField = {
    id: random.createGhlId(),
    name: 'Deal Type',
    fieldKey: 'opportunity.deal_type',
    placeholder: '',
    dataType: 'SINGLE_OPTIONS',
    position: 0,
    picklistOptions: ['New Business', 'Renewal', 'Upsell'],
    isAllowedCustomOption: false,
    isMultiFileAllowed: false,
    maxFileLimit: 0,
    locationId: location.id,
    model: 'opportunity',
  };
  data.customFields.set(dealType.id, dealType);
  for (const [name, value] of [['Business Hours', 'Mon-Fri 9am-5pm'], ['Booking Link', 'https://example.com/book'], ['Support Email', 'support@example.com']] as const) {
    const id = random.createGhlId();
    data.customValues.set(id, { id, name, fieldKey: `{{ custom_values.${name.toLowerCase().replace(/ /g, '_')} }}`, value, locationId: location.id });
  }
  for (const name of TAG_NAMES) {
    const id = random.createGhlId();
    data.tags.set(id, { id, name, locationId: location.id });
  }
  const pipelineDefinitions: [string, string[]][] = [
    ['Sales Pipeline', ['New Lead', 'Contacted', 'Proposal Sent', 'Negotiation', 'Closed']],
    ['Onboarding', ['Kickoff', 'In Progress', 'Review', 'Done']],
  ];
  for (const [name, stageNames] of pipelineDefinitions) {
    const pipeline: Pipeline = {
      id: random.createGhlId(),
      name,
      stages: stageNames.map((stageName, position) => ({ id: random.createUuid(), name: stageName, position, showInFunnel: true, showInPieChart: true })),
      showInFunnel: true,
      showInPieChart: true,
      locationId: location.id,
      colorRenderMode: 'dot',
    };
    data.pipelines.set(pipeline.id, pipeline);
    store.indexRecord(pipeline.id, location.id);
  }
  // A separate stream, so adding lost reasons did not shift the ids of everything generated after them.
  const reasonRandom = new SeededRandom([...location.id].reduce((hash, char) => (Math.imul(hash, 31) + char.charCodeAt(0)) >>> 0, 7));
  for (const name of ['Price too high', 'Went with a competitor', 'No response', 'Not a fit']) {
    const id = reasonRandom.createGhlId();
    data.lostReasons.set(id, { id, name, locationId: location.id, createdAt: toIso(DATA_ANCHOR_MS - 400 * DAY_MS), updatedAt: toIso(DATA_ANCHOR_MS - 400 * DAY_MS) });
  }
  const calendarDefinitions: [string, Calendar['calendarType']][] = [['Sales Calls', 'round_robin'], ['Consultations', 'event']];
  for (const [name, calendarType] of calendarDefinitions) {
    const slug = name.toLowerCase().replace(/ /g, '-');
    const calendar: Calendar = {
      id: random.createGhlId(),
      locationId: location.id,
      name,
      description: `${name} for ${location.name}`,
      slug,
      widgetSlug: slug,
      calendarType,
      eventType: 'RoundRobin_OptimizeForAvailability',
      teamMembers: users.map((user, priority) => ({ userId: user.id, priority: priority === 0 ? 1 : 0.5, isPrimary: priority === 0 })),
      slotDuration: 30,
      slotDurationUnit: 'mins',
      slotInterval: 30,
      slotIntervalUnit: 'mins',
      openHours: [{ daysOfTheWeek: [1, 2, 3, 4, 5], hours: [{ openHour: 9, openMinute: 0, closeHour: 17, closeMinute: 0 }] }],
      isActive: true,
      groupId: '',
    };
    data.calendars.set(calendar.id, calendar);
    store.indexRecord(calendar.id, location.id);
  }
}

function generateContacts(
  random: SeededRandom,
  store: SandboxStore,
  location: Location,
  data: LocationData,
  users: User[],
  count: number,
  areaCodes: readonly string[],
  usedPhones: Set<string>,
  usedEmails: EmailAllocator,
): void {
  const fields = [...data.customFields.values()].filter((field) => field.model === 'contact');
  const tagNames = [...data.tags.values()].map((tag) => tag.name);
  // One slot per contact over the year before the anchor, so insertion order is chronological.
  const stepMs = Math.max(1, Math.floor((365 * DAY_MS) / Math.max(1, count)));
  const firstMs = DATA_ANCHOR_MS - 365 * DAY_MS;
  for (let i = 0; i < count; i++) {
    const addedMs = firstMs + i * stepMs + random.nextInt(0, stepMs);
    const updatedMs = Math.min(DATA_ANCHOR_MS, addedMs + (random.isChance(0.4) ? random.nextInt(0, 60 * DAY_MS) : 0));
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    let phone = createPhone(random, areaCodes);
    while (usedPhones.has(phone)) phone = createPhone(random, areaCodes);
    usedPhones.add(phone);
    const email = usedEmails.allocate(random, firstName, lastName);
    const customFields = [];
    for (const field of fields) {
      if (!random.isChance(0.5)) continue;
      if (field.dataType === 'TEXT') customFields.push({ id: field.id, value: random.pick(['1-10', '11-50', '51-200', '200+']) });
      else if (field.dataType === 'SINGLE_OPTIONS') customFields.push({ id: field.id, value: random.pick(field.picklistOptions) });
      else if (field.dataType === 'DATE') customFields.push({ id: field.id, value: toIso(DATA_ANCHOR_MS + random.nextInt(0, 30) * DAY_MS) });
    }
    const place = random.pick(CITIES);
    const contact: Contact = {
      id: random.createGhlId(),
      locationId: location.id,
      firstName,
      lastName,
      name: `${firstName} ${lastName}`,
      email,
      phone,
      companyName: random.isChance(0.3) ? `${random.pick(COMPANY_WORDS)} ${random.pick(COMPANY_SUFFIXES)}` : '',
      address1: `${random.nextInt(10, 9999)} ${random.pick(STREETS)}`,
      city: place.city,
      state: place.state,
      country: 'US',
      postalCode: place.postalCode,
      website: '',
      timezone: place.timezone,
      dnd: false,
      dndSettings: createDndSettings('inactive'),
      type: random.isChance(0.8) ? 'lead' : 'customer',
      source: random.pick(SOURCES),
      assignedTo: random.isChance(0.7) ? random.pick(users).id : '',
      tags: random.pickSome(tagNames, 3),
      dateOfBirth: '',
      customFields,
      dateAdded: toIso(addedMs),
      dateUpdated: toIso(updatedMs),
      dateAddedMs: addedMs,
      dateUpdatedMs: updatedMs,
    };
    store.putContact(contact);
  }
}

function generateOpportunities(random: SeededRandom, store: SandboxStore, data: LocationData, contacts: Contact[], users: User[], count: number): void {
  if (contacts.length === 0) return;
  const pipelines = [...data.pipelines.values()];
  const statuses: OpportunityStatus[] = ['open', 'open', 'open', 'won', 'lost', 'abandoned'];
  for (let i = 0; i < count; i++) {
    const contact = random.pick(contacts);
    const pipeline = random.pick(pipelines);
    const stage = random.pick(pipeline.stages);
    const createdMs = Math.min(DATA_ANCHOR_MS - 1, contact.dateAddedMs + random.nextInt(0, 30 * DAY_MS));
    const updatedMs = Math.min(DATA_ANCHOR_MS, createdMs + random.nextInt(0, 20 * DAY_MS));
    const opportunity: Opportunity = {
      id: random.createGhlId(),
      name: `${contact.name} - ${pipeline.name === 'Sales Pipeline' ? random.pick(PRODUCTS).name : 'Onboarding'}`,
      monetaryValue: random.nextInt(1, 100) * 50,
      pipelineId: pipeline.id,
      pipelineStageId: stage.id,
      assignedTo: contact.assignedTo,
      status: random.pick(statuses),
      source: contact.source,
      lastStatusChangeAt: toIso(updatedMs),
      lastStageChangeAt: toIso(updatedMs),
      createdAt: toIso(createdMs),
      updatedAt: toIso(updatedMs),
      contactId: contact.id,
      locationId: contact.locationId,
      lostReasonId: '',
      customFields: [],
      createdAtMs: createdMs,
    };
    if (!opportunity.assignedTo && random.isChance(0.5)) opportunity.assignedTo = random.pick(users).id;
    data.opportunities.set(opportunity.id, opportunity);
    store.indexRecord(opportunity.id, opportunity.locationId);
  }
}

function generateAppointments(random: SeededRandom, store: SandboxStore, location: Location, data: LocationData, contacts: Contact[], count: number): void {
  if (contacts.length === 0) return;
  const calendars = [...data.calendars.values()];
  for (let i = 0; i < count; i++) {
    const calendar = random.pick(calendars);
    const contact = random.pick(contacts);
    const dayOffset = random.nextInt(-30, 60);
    const startMs = DATA_ANCHOR_MS + dayOffset * DAY_MS + (14 + random.nextInt(0, 8)) * 3_600_000 + random.pick([0, 30]) * 60_000;
    const member = random.pick(calendar.teamMembers);
    const addedMs = Math.min(startMs, DATA_ANCHOR_MS) - random.nextInt(1, 10) * DAY_MS;
    const status = dayOffset < 0 ? random.pick(['showed', 'noshow', 'cancelled', 'confirmed']) : random.pick(['confirmed', 'new', 'confirmed']);
    const event: CalendarEvent = {
      id: random.createGhlId(),
      calendarId: calendar.id,
      locationId: location.id,
      contactId: contact.id,
      groupId: calendar.groupId,
      title: `${calendar.name}: ${contact.name}`,
      address: 'https://meet.example.com/' + random.createGhlId().slice(0, 10),
      appointmentStatus: status,
      assignedUserId: member.userId,
      users: [member.userId],
      notes: '',
      description: '',
      meetingLocationType: 'custom',
      startTime: toIso(startMs),
      endTime: toIso(startMs + calendar.slotDuration * 60_000),
      dateAdded: toIso(addedMs),
      dateUpdated: toIso(addedMs),
      isBlockSlot: false,
      startMs,
      endMs: startMs + calendar.slotDuration * 60_000,
    };
    data.events.set(event.id, event);
    store.indexRecord(event.id, location.id);
  }
}

function generateConversations(random: SeededRandom, store: SandboxStore, data: LocationData, contacts: Contact[], users: User[], count: number): void {
  const limit = Math.min(count, contacts.length);
  // Walk contacts with a stride so conversations spread over the whole contact list.
  const stride = limit > 0 ? Math.max(1, Math.floor(contacts.length / limit)) : 1;
  for (let i = 0; i < limit; i++) {
    const contact = contacts[(i * stride) % contacts.length];
    if (!contact || data.conversationIdByContact.has(contact.id)) continue;
    const conversation: Conversation = {
      id: random.createGhlId(),
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
      lastMessageDirection: 'inbound',
      lastMessageDateMs: contact.dateAddedMs,
      dateAdded: contact.dateAdded,
      dateUpdated: contact.dateAdded,
    };
    data.conversations.set(conversation.id, conversation);
    data.conversationIdByContact.set(contact.id, conversation.id);
    store.indexRecord(conversation.id, conversation.locationId);
    const messageCount = random.nextInt(2, 9);
    let atMs = contact.dateAddedMs;
    for (let m = 0; m < messageCount; m++) {
      atMs = Math.min(DATA_ANCHOR_MS, atMs + random.nextInt(60_000, 2 * DAY_MS));
      const direction = m % 2 === 0 ? 'inbound' : 'outbound';
      const isCall = random.isChance(0.1);
      const message: Message = {
        id: random.createGhlId(),
        type: isCall ? 1 : 2,
        messageType: isCall ? 'TYPE_CALL' : 'TYPE_SMS',
        locationId: contact.locationId,
        contactId: contact.id,
        conversationId: conversation.id,
        dateAdded: toIso(atMs),
        body: isCall ? '' : direction === 'inbound' ? random.pick(SMS_INBOUND) : random.pick(SMS_OUTBOUND).replace('{name}', contact.firstName),
        direction,
        status: direction === 'inbound' ? 'delivered' : 'sent',
        contentType: 'text/plain',
        attachments: [],
        source: direction === 'inbound' ? 'api' : 'app',
        userId: direction === 'outbound' ? random.pick(users).id : '',
        dateAddedMs: atMs,
      };
      if (isCall) message.meta = { callDuration: String(random.nextInt(10, 600)), callStatus: 'completed' };
      store.addMessage(data, message);
      conversation.lastMessageBody = message.body;
      conversation.lastMessageType = message.messageType;
      conversation.lastMessageDirection = direction;
      conversation.lastMessageDateMs = atMs;
      conversation.dateUpdated = message.dateAdded;
      conversation.unreadCount = direction === 'inbound' ? conversation.unreadCount + 1 : 0;
    }
  }
}

function generateInvoices(random: SeededRandom, store: SandboxStore, location: Location, data: LocationData, contacts: Contact[], count: number): void {
  if (contacts.length === 0) return;
  for (let i = 0; i < count; i++) {
    const contact = random.pick(contacts);
    const createdMs = Math.min(DATA_ANCHOR_MS - DAY_MS, contact.dateAddedMs + random.nextInt(0, 20 * DAY_MS));
    const items = [];
    const itemCount = random.nextInt(1, 4);
    for (let n = 0; n < itemCount; n++) {
      const product = random.pick(PRODUCTS);
      items.push({ _id: random.createGhlId(), name: product.name, description: '', productId: random.createObjectId(), priceId: random.createObjectId(), currency: 'USD', amount: product.amount, qty: random.nextInt(1, 3), taxes: [] });
    }
    const status = random.pick(['draft', 'sent', 'sent', 'paid', 'paid', 'void', 'partially_paid'] as const);
    const invoice = buildInvoice({
      id: random.createObjectId(),
      location,
      contact,
      invoiceNumber: String(data.nextInvoiceNumber++),
      items,
      status,
      createdMs,
      dueMs: createdMs + 14 * DAY_MS,
    });
    if (status === 'paid') invoice.amountPaid = invoice.total;
    if (status === 'partially_paid') invoice.amountPaid = Math.round(invoice.total / 2);
    invoice.amountDue = invoice.total - invoice.amountPaid;
    data.invoices.set(invoice._id, invoice);
    store.indexRecord(invoice._id, location.id);
  }
}

export interface BuildInvoiceInput {
  id: string;
  location: Location;
  contact: Contact;
  invoiceNumber: string;
  items: Invoice['invoiceItems'];
  status: Invoice['status'];
  createdMs: number;
  dueMs: number;
  name?: string;
  currency?: string;
  discount?: Invoice['discount'];
}

export function buildInvoice(input: BuildInvoiceInput): Invoice {
  const subTotal = input.items.reduce((sum, item) => sum + item.amount * item.qty, 0);
  const discount = input.discount ?? { type: 'percentage', value: 0 };
  const discountAmount = discount.type === 'percentage' ? Math.round(subTotal * discount.value) / 100 : discount.value;
  const total = Math.max(0, subTotal - discountAmount);
  return {
    _id: input.id,
    status: input.status,
    liveMode: false,
    amountPaid: 0,
    altId: input.location.id,
    altType: 'location',
    name: input.name ?? `Invoice ${input.invoiceNumber}`,
    title: 'INVOICE',
    invoiceNumber: input.invoiceNumber,
    currency: input.currency ?? 'USD',
    businessDetails: { name: input.location.business['name'] ?? input.location.name, address: input.location.address, phoneNo: input.location.phone, website: input.location.website, logoUrl: '', customValues: [] },
    contactDetails: {
      id: input.contact.id,
      name: input.contact.name,
      email: input.contact.email,
      phoneNo: input.contact.phone,
      companyName: input.contact.companyName,
      address: { countryCode: input.contact.country, addressLine1: input.contact.address1, city: input.contact.city, state: input.contact.state, postalCode: input.contact.postalCode },
      additionalEmails: [],
      customFields: [],
    },
    issueDate: toIso(input.createdMs).slice(0, 10),
    dueDate: toIso(input.dueMs).slice(0, 10),
    discount,
    invoiceItems: input.items,
    total,
    amountDue: total,
    totalSummary: { subTotal, discount: discountAmount, tax: 0 },
    createdAt: toIso(input.createdMs),
    updatedAt: toIso(input.createdMs),
    createdAtMs: input.createdMs,
  };
}

/** Body of a plausible new contact, for the bulk-import and inbound-message simulations. */
export function createFakeContactInput(random: SeededRandom, locationId: string, sequence: number): Record<string, unknown> {
  const firstName = random.pick(FIRST_NAMES);
  const lastName = random.pick(LAST_NAMES);
  const place = random.pick(CITIES);
  return {
    locationId,
    firstName,
    lastName,
    email: `${firstName}.${lastName}.import${sequence}.${random.createGhlId().slice(0, 6)}@${random.pick(EMAIL_DOMAINS)}`.toLowerCase(),
    phone: createPhone(random, place.areaCodes),
    city: place.city,
    state: place.state,
    postalCode: place.postalCode,
    country: 'US',
    source: 'bulk import',
    tags: ['imported'],
  };
}
