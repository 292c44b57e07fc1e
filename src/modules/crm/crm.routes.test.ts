import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startCrmApiKit, type CrmApiKit } from '../../../test/crm-api-kit.js';
import { bearer } from '../../../test/support/test-app.js';
import { createLocationUser } from '../../../test/support/factories.js';
import { buildGhlEvent, loadGhlExample, processGhlEvent } from '../../../test/support/ghl-webhook-examples.js';
import { queryRows } from '../../platform/db/index.js';

let kit: CrmApiKit;
let base = '';
let otherBase = '';
const headers = () => bearer(kit.agency.token);
const otherHeaders = () => bearer(kit.otherAgency.token);

interface PageBody<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

async function get<T>(url: string, auth: Record<string, string> = headers()) {
  const response = await kit.server.inject({ method: 'GET', url, headers: auth });
  return { status: response.statusCode, body: response.json<T>() };
}

async function rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return queryRows<T>(kit.app.database.db, query);
}

/** Applies an official webhook example through the real CRM processors, addressed to the installed location. */
async function deliver(eventType: string, payload: Record<string, unknown>) {
  const outcome = await processGhlEvent(kit.app.database, kit.app.processors, buildGhlEvent(eventType, payload));
  expect(outcome).toMatchObject({ status: 'done' });
}

/** Every endpoint answers 401 without credentials and 404 for another agency's caller. */
async function expectGuarded(path: string) {
  const anonymous = await kit.server.inject({ method: 'GET', url: `${base}${path}` });
  expect(anonymous.statusCode).toBe(401);
  expect(anonymous.json<{ error: { code: string } }>().error.code).toBe('unauthenticated');
  const foreign = await get<{ error: { code: string } }>(`${base}${path}`, otherHeaders());
  expect(foreign.status).toBe(404);
  expect(foreign.body.error.code).toBe('not_found');
}

async function expectBadRequest(url: string, code = 'validation_failed') {
  const response = await get<{ error: { code: string } }>(url);
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe(code);
}

let contactGhlId = '';
let deletedContactGhlId = '';

beforeAll(async () => {
  kit = await startCrmApiKit({ contacts: 40 });
  base = `/api/locations/${kit.installed.locationId}`;
  otherBase = `/api/locations/${kit.otherAgency.locationIds[0] as string}`;
  const ghlLocationId = kit.installed.ghlLocationId;
  const [first, second] = await rows<{ ghlId: string }>(sql`select ghl_id as "ghlId" from contacts where location_id = ${kit.installed.locationId} order by ghl_id limit 2`);
  contactGhlId = first?.ghlId as string;
  deletedContactGhlId = second?.ghlId as string;
  await deliver('NoteCreate', { ...loadGhlExample('NoteCreate'), locationId: ghlLocationId, contactId: contactGhlId });
  await deliver('TaskCreate', { ...loadGhlExample('TaskCreate'), locationId: ghlLocationId, contactId: contactGhlId });
  await deliver('ContactDelete', { ...loadGhlExample('ContactDelete'), locationId: ghlLocationId, id: deletedContactGhlId });
  await deliver('InvoiceCreate', { ...loadGhlExample('InvoiceCreate'), altId: ghlLocationId, _id: 'inv-draft-1' });
  await deliver('InvoicePaid', { ...loadGhlExample('InvoicePaid'), altId: ghlLocationId, _id: 'inv-paid-1' });
});

afterAll(async () => kit?.close());

describe('contacts', () => {
  it('lists the synced contacts with paging, search, tag filter and sort; deleted ones only on request', async () => {
    const [counted] = await rows<{ live: number; all: number }>(
      sql`select count(*) filter (where deleted_at is null)::int as live, count(*)::int as "all" from contacts where location_id = ${kit.installed.locationId}`,
    );
    const page = await get<PageBody<{ id: string; ghlId: string; email: string | null; tags: string[]; sourceUpdatedAt: string; deletedAt: string | null }>>(`${base}/contacts?limit=15&offset=5`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: counted?.live, limit: 15, offset: 5 });
    expect(page.body.total).toBe(39);
    expect(page.body.items).toHaveLength(15);
    const everything = await get<PageBody<{ ghlId: string; deletedAt: string | null }>>(`${base}/contacts?limit=200&includeDeleted=true`);
    expect(everything.body.total).toBe(counted?.all);
    expect(everything.body.items.find((contact) => contact.ghlId === deletedContactGhlId)?.deletedAt).toEqual(expect.any(String));
    const live = await get<PageBody<{ ghlId: string }>>(`${base}/contacts?limit=200`);
    expect(live.body.items.map((contact) => contact.ghlId)).not.toContain(deletedContactGhlId);

    const [withEmail] = await rows<{ email: string; ghlId: string }>(
      sql`select email, ghl_id as "ghlId" from contacts where location_id = ${kit.installed.locationId} and deleted_at is null and email is not null order by ghl_id limit 1`,
    );
    const searched = await get<PageBody<{ ghlId: string }>>(`${base}/contacts?q=${encodeURIComponent((withEmail?.email ?? '').toUpperCase())}`);
    expect(searched.body.items.map((contact) => contact.ghlId)).toContain(withEmail?.ghlId);
    expect(searched.body.total).toBeLessThan(page.body.total);

    const [tagged] = await rows<{ tag: string; total: number }>(
      sql`select tag, count(*)::int as total from contacts, unnest(tags) as tag where location_id = ${kit.installed.locationId} and deleted_at is null group by tag order by total desc, tag limit 1`,
    );
    if (tagged) {
      const byTag = await get<PageBody<{ tags: string[] }>>(`${base}/contacts?tag=${encodeURIComponent(tagged.tag)}&limit=200`);
      expect(byTag.body.total).toBe(tagged.total);
      expect(byTag.body.items.every((contact) => contact.tags.includes(tagged.tag))).toBe(true);
    }

    const ascending = await get<PageBody<{ sourceUpdatedAt: string }>>(`${base}/contacts?sort=updatedAt&order=asc&limit=200`);
    const times = ascending.body.items.map((contact) => Date.parse(contact.sourceUpdatedAt));
    expect(times).toEqual([...times].sort((left, right) => left - right));
  });

  it('returns one contact with its notes and tasks, by our id or GHL id', async () => {
    const byGhl = await get<{ id: string; ghlId: string; notes: { body: string }[]; tasks: { title: string; isCompleted: boolean }[] }>(`${base}/contacts/${contactGhlId}`);
    expect(byGhl.status).toBe(200);
    expect(byGhl.body.ghlId).toBe(contactGhlId);
    expect(byGhl.body.notes).toEqual([expect.objectContaining({ ghlId: 'otg8dTQqGLh3Q6iQI55w', body: 'Loram ipsum' })]);
    expect(byGhl.body.tasks).toEqual([expect.objectContaining({ ghlId: 'UlRWGLSXh0ji5qbiGu4i', title: 'Loram ipsum', isCompleted: false })]);
    const byOurs = await get<{ ghlId: string }>(`${base}/contacts/${byGhl.body.id}`);
    expect(byOurs.body.ghlId).toBe(contactGhlId);
    expect((await get(`${base}/contacts/${deletedContactGhlId}`)).status).toBe(404);
    expect((await get<{ deletedAt: string }>(`${base}/contacts/${deletedContactGhlId}?includeDeleted=true`)).body.deletedAt).toEqual(expect.any(String));
    expect((await get(`${base}/contacts/no-such-contact`)).status).toBe(404);
    // Our contact through the other agency's own location: still not found.
    expect((await get(`${otherBase}/contacts/${contactGhlId}`, otherHeaders())).status).toBe(404);
  });

  it('rejects bad queries and guards tenants', async () => {
    await expectBadRequest(`${base}/contacts?limit=0`);
    await expectBadRequest(`${base}/contacts?sort=name`);
    await expectBadRequest(`${base}/contacts?includeDeleted=yes`);
    await expectGuarded('/contacts');
    await expectGuarded(`/contacts/${contactGhlId}`);
    const own = await get<PageBody<unknown>>(`${otherBase}/contacts`, otherHeaders());
    expect(own).toMatchObject({ status: 200, body: { total: 0, items: [] } });
    expect((await get('/api/locations/loc_missing/contacts')).status).toBe(404);
  });

  it('lets a location member read only their own location', async () => {
    const member = await createLocationUser(kit.app, kit.agency.token, kit.installed.locationId, 'location_member');
    const elsewhere = await createLocationUser(kit.app, kit.agency.token, kit.agency.locationIds[0] as string, 'location_member');
    expect((await get<PageBody<unknown>>(`${base}/contacts`, bearer(member.token))).body.total).toBe(39);
    expect((await get(`${base}/contacts`, bearer(elsewhere.token))).status).toBe(404);
    expect((await get(`${base}/contacts/${contactGhlId}`, bearer(elsewhere.token))).status).toBe(404);
  });
});

describe('pipelines and projects', () => {
  it('lists pipelines with their ordered stages', async () => {
    const [counted] = await rows<{ total: number }>(sql`select count(*)::int as total from ghl_pipelines where location_id = ${kit.installed.locationId}`);
    const response = await get<{ items: { ghlId: string; stages: { ghlId: string; position: number | null }[] }[] }>(`${base}/pipelines`);
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(counted?.total ?? -1);
    expect(response.body.items.length).toBeGreaterThan(0);
    for (const pipeline of response.body.items) {
      expect(pipeline.stages.length).toBeGreaterThan(0);
      const positions = pipeline.stages.map((stage) => stage.position ?? 0);
      expect(positions).toEqual([...positions].sort((left, right) => left - right));
    }
    await expectGuarded('/pipelines');
    // The only input is the location id; Fastify refuses an over-long path parameter before validation.
    expect((await get(`/api/locations/${'x'.repeat(101)}/pipelines`)).status).toBe(414);
  });

  it('lists projects with filters and integer cents, and returns one', async () => {
    const all = await get<PageBody<{ id: string; ghlId: string; pipelineId: string; stageId: string; status: string; amountCents: number | null }>>(`${base}/projects?limit=200`);
    expect(all.status).toBe(200);
    const [counted] = await rows<{ total: number }>(sql`select count(*)::int as total from opportunities where location_id = ${kit.installed.locationId} and deleted_at is null`);
    expect(all.body.total).toBe(counted?.total);
    expect(all.body.total).toBeGreaterThan(0);
    expect(all.body.items.every((project) => project.amountCents === null || Number.isInteger(project.amountCents))).toBe(true);
    const sample = all.body.items[0] as (typeof all.body.items)[number];
    const [stored] = await rows<{ cents: string | number | null }>(sql`select monetary_value_cents as cents from opportunities where id = ${sample.id}`);
    expect(sample.amountCents).toBe(stored?.cents === null || stored?.cents === undefined ? null : Number(stored.cents));

    const byStatus = await get<PageBody<{ status: string }>>(`${base}/projects?status=${sample.status}&limit=200`);
    expect(byStatus.body.total).toBe(all.body.items.filter((project) => project.status === sample.status).length);
    const byStage = await get<PageBody<{ stageId: string; pipelineId: string }>>(`${base}/projects?pipelineId=${sample.pipelineId}&stageId=${sample.stageId}&limit=200`);
    expect(byStage.body.total).toBe(all.body.items.filter((project) => project.stageId === sample.stageId && project.pipelineId === sample.pipelineId).length);
    expect(byStage.body.items.every((project) => project.stageId === sample.stageId)).toBe(true);

    const one = await get<{ ghlId: string }>(`${base}/projects/${sample.ghlId}`);
    expect(one).toMatchObject({ status: 200, body: { ghlId: sample.ghlId } });
    expect((await get(`${base}/projects/${sample.id}`)).status).toBe(200);
    expect((await get(`${base}/projects/nope`)).status).toBe(404);
    await expectBadRequest(`${base}/projects?status=closed`);
    await expectGuarded('/projects');
    await expectGuarded(`/projects/${sample.ghlId}`);
  });
});

describe('appointments and calendars', () => {
  it('lists appointments in a window, by calendar, earliest first, and returns one', async () => {
    const all = await get<PageBody<{ id: string; ghlId: string; calendarId: string; startTime: string }>>(`${base}/appointments?limit=200`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBeGreaterThan(1);
    const starts = all.body.items.map((appointment) => Date.parse(appointment.startTime));
    expect(starts).toEqual([...starts].sort((left, right) => left - right));
    const middle = all.body.items[Math.floor(all.body.items.length / 2)] as (typeof all.body.items)[number];
    const windowed = await get<PageBody<{ startTime: string }>>(`${base}/appointments?from=${encodeURIComponent(middle.startTime)}&limit=200`);
    expect(windowed.body.total).toBe(all.body.items.filter((appointment) => Date.parse(appointment.startTime) >= Date.parse(middle.startTime)).length);
    const before = await get<PageBody<{ startTime: string }>>(`${base}/appointments?to=${encodeURIComponent(middle.startTime)}&limit=200`);
    expect(before.body.total + windowed.body.total).toBe(all.body.total);
    const byCalendar = await get<PageBody<{ calendarId: string }>>(`${base}/appointments?calendarId=${middle.calendarId}&limit=200`);
    expect(byCalendar.body.total).toBe(all.body.items.filter((appointment) => appointment.calendarId === middle.calendarId).length);

    expect((await get<{ ghlId: string }>(`${base}/appointments/${middle.ghlId}`)).body.ghlId).toBe(middle.ghlId);
    expect((await get(`${base}/appointments/missing`)).status).toBe(404);
    await expectBadRequest(`${base}/appointments?from=yesterday`);
    await expectBadRequest(`${base}/appointments?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, 'invalid_window');
    await expectGuarded('/appointments');
    await expectGuarded(`/appointments/${middle.ghlId}`);
  });

  it('lists calendars and reads free slots live from GHL', async () => {
    const calendars = await get<{ items: { id: string; ghlId: string }[] }>(`${base}/calendars`);
    expect(calendars.status).toBe(200);
    const [counted] = await rows<{ total: number }>(sql`select count(*)::int as total from ghl_calendars where location_id = ${kit.installed.locationId}`);
    expect(calendars.body.items).toHaveLength(counted?.total ?? -1);
    const calendar = calendars.body.items[0] as { id: string; ghlId: string };
    const from = new Date(Date.now() + 7 * 86_400_000);
    const to = new Date(from.getTime() + 7 * 86_400_000);
    const window = `from=${from.toISOString()}&to=${to.toISOString()}&timezone=UTC`;
    const slots = await get<{ calendarId: string; ghlCalendarId: string; days: { date: string; slots: string[] }[] }>(`${base}/calendars/${calendar.id}/free-slots?${window}`);
    expect(slots.status).toBe(200);
    expect(slots.body).toMatchObject({ calendarId: calendar.id, ghlCalendarId: calendar.ghlId });
    expect(slots.body.days.length).toBeGreaterThan(0);
    for (const day of slots.body.days) {
      expect(day.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      for (const slot of day.slots) {
        expect(Date.parse(slot)).toBeGreaterThanOrEqual(from.getTime());
        expect(Date.parse(slot)).toBeLessThanOrEqual(to.getTime());
      }
    }

    await expectBadRequest(`${base}/calendars/${calendar.id}/free-slots?from=${from.toISOString()}`);
    await expectBadRequest(`${base}/calendars/${calendar.id}/free-slots?from=${from.toISOString()}&to=${new Date(from.getTime() + 40 * 86_400_000).toISOString()}`, 'invalid_window');
    await expectBadRequest(`${base}/calendars/${calendar.id}/free-slots?from=${from.toISOString()}&to=${to.toISOString()}&timezone=Mars/Olympus`, 'invalid_timezone');
    expect((await get(`${base}/calendars/unknown/free-slots?${window}`)).status).toBe(404);
    await expectGuarded('/calendars');
    await expectGuarded(`/calendars/${calendar.id}/free-slots?${window}`);

    const unconfigured = await kit.serverWithoutGhl.inject({ method: 'GET', url: `${base}/calendars/${calendar.id}/free-slots?${window}`, headers: headers() });
    expect(unconfigured.statusCode).toBe(503);
    expect(unconfigured.json<{ error: { code: string } }>().error.code).toBe('ghl_not_configured');

    kit.sandbox.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 }, kit.installed.ghlLocationId);
    try {
      const failed = await get<{ error: { code: string; details: { ghlStatus: number } } }>(`${base}/calendars/${calendar.id}/free-slots?${window}`);
      expect(failed.status).toBe(502);
      expect(failed.body.error).toMatchObject({ code: 'ghl_unavailable', details: { ghlStatus: 503 } });
    } finally {
      kit.sandbox.setFaults({}, kit.installed.ghlLocationId);
    }
  });
});

describe('conversations and messages', () => {
  it('lists conversations with the unread filter and their messages newest first', async () => {
    const all = await get<PageBody<{ id: string; ghlId: string; unreadCount: number | null; lastMessageAt: string | null }>>(`${base}/conversations?limit=200`);
    expect(all.status).toBe(200);
    const [counted] = await rows<{ total: number; unread: number }>(
      sql`select count(*)::int as total, count(*) filter (where unread_count > 0)::int as unread from conversations where location_id = ${kit.installed.locationId} and deleted_at is null`,
    );
    expect(all.body.total).toBe(counted?.total);
    const unread = await get<PageBody<{ unreadCount: number }>>(`${base}/conversations?unread=true&limit=200`);
    expect(unread.body.total).toBe(counted?.unread);
    expect(unread.body.items.every((conversation) => conversation.unreadCount > 0)).toBe(true);
    const read = await get<PageBody<unknown>>(`${base}/conversations?unread=false&limit=200`);
    expect(read.body.total + unread.body.total).toBe(all.body.total);

    const [busiest] = await rows<{ conversationId: string; total: number }>(
      sql`select conversation_id as "conversationId", count(*)::int as total from messages where location_id = ${kit.installed.locationId} and deleted_at is null group by conversation_id order by total desc limit 1`,
    );
    const conversationId = busiest?.conversationId as string;
    const messages = await get<PageBody<{ conversationId: string; dateAdded: string }>>(`${base}/conversations/${conversationId}/messages?limit=200`);
    expect(messages.status).toBe(200);
    expect(messages.body.total).toBe(busiest?.total);
    const times = messages.body.items.map((message) => Date.parse(message.dateAdded));
    expect(times).toEqual([...times].sort((left, right) => right - left));
    const ghlId = all.body.items.find((conversation) => conversation.id === conversationId)?.ghlId as string;
    const paged = await get<PageBody<{ dateAdded: string }>>(`${base}/conversations/${ghlId}/messages?limit=1&offset=1`);
    expect(paged.body.items).toHaveLength(Math.min(1, Math.max(0, (busiest?.total ?? 0) - 1)));

    // Search by the contact (our id or GHL id, or their name) and by the last message.
    const [withContact] = await rows<{ ghlId: string; contactId: string; contactGhlId: string; fullName: string; lastMessageBody: string | null }>(
      sql`select v.ghl_id as "ghlId", c.id as "contactId", c.ghl_id as "contactGhlId", c.full_name as "fullName", v.last_message_body as "lastMessageBody"
        from conversations v join contacts c on c.location_id = v.location_id and c.ghl_id = v.contact_ghl_id
        where v.location_id = ${kit.installed.locationId} and v.deleted_at is null and c.full_name is not null order by v.ghl_id limit 1`,
    );
    if (!withContact) throw new Error('no conversation with a known contact');
    for (const query of [`contactId=${withContact.contactId}`, `contactId=${withContact.contactGhlId}`, `q=${encodeURIComponent(withContact.fullName.toUpperCase())}`]) {
      const found = await get<PageBody<{ ghlId: string; contactGhlId: string }>>(`${base}/conversations?${query}&limit=200`);
      expect(found.body.items.map((conversation) => conversation.ghlId), query).toContain(withContact.ghlId);
      if (query.startsWith('contactId')) expect(found.body.items.every((conversation) => conversation.contactGhlId === withContact.contactGhlId)).toBe(true);
    }
    if (withContact.lastMessageBody) {
      const byMessage = await get<PageBody<{ ghlId: string }>>(`${base}/conversations?q=${encodeURIComponent(withContact.lastMessageBody.slice(0, 20))}&limit=200`);
      expect(byMessage.body.items.map((conversation) => conversation.ghlId)).toContain(withContact.ghlId);
    }
    expect((await get<PageBody<unknown>>(`${base}/conversations?q=no-such-conversation-anywhere`)).body.total).toBe(0);

    expect((await get(`${base}/conversations/missing/messages`)).status).toBe(404);
    await expectBadRequest(`${base}/conversations?unread=maybe`);
    await expectBadRequest(`${base}/conversations/${conversationId}/messages?offset=-1`);
    await expectGuarded('/conversations');
    await expectGuarded(`/conversations/${conversationId}/messages`);
  });
});

describe('invoices', () => {
  it('lists invoices by status in cents and returns one', async () => {
    const all = await get<PageBody<{ ghlId: string; status: string; currency: string; totalCents: number; amountPaidCents: number }>>(`${base}/invoices`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(2);
    const paid = await get<PageBody<{ ghlId: string; status: string; amountPaidCents: number; currency: string }>>(`${base}/invoices?status=paid`);
    expect(paid.body.items).toEqual([expect.objectContaining({ ghlId: 'inv-paid-1', status: 'paid', amountPaidCents: 99_900, currency: 'USD' })]);
    const one = await get<{ ghlId: string; status: string }>(`${base}/invoices/inv-draft-1`);
    expect(one).toMatchObject({ status: 200, body: { ghlId: 'inv-draft-1', status: 'draft' } });
    const [invoice] = await rows<{ invoiceNumber: string | null; contactName: string | null }>(sql`select invoice_number as "invoiceNumber", contact_name as "contactName" from invoices where ghl_id = 'inv-paid-1'`);
    if (invoice?.contactName) {
      const byContactName = await get<PageBody<{ ghlId: string }>>(`${base}/invoices?q=${encodeURIComponent(invoice.contactName.toLowerCase())}`);
      expect(byContactName.body.items.map((item) => item.ghlId)).toContain('inv-paid-1');
    }
    expect((await get<PageBody<unknown>>(`${base}/invoices?q=no-such-invoice`)).body.total).toBe(0);
    expect((await get(`${base}/invoices/missing`)).status).toBe(404);
    await expectBadRequest(`${base}/invoices?status=overdue`);
    await expectGuarded('/invoices');
    await expectGuarded('/invoices/inv-draft-1');
  });
});

describe('contact filters', () => {
  it('find records whose contact is not stored here, by the GHL contact id they carry', async () => {
    // An InboundMessage (and records naming a contact) can arrive before, or without, its ContactCreate.
    const ghlLocationId = kit.installed.ghlLocationId;
    const ghostContact = 'ghost-contact-not-stored';
    const now = new Date().toISOString();
    await deliver('InboundMessage', { type: 'InboundMessage', locationId: ghlLocationId, contactId: ghostContact, conversationId: 'ghost-conversation', messageId: 'ghost-message', body: 'hello', direction: 'inbound', messageType: 'SMS', dateAdded: now });
    await deliver('OpportunityCreate', { type: 'OpportunityCreate', id: 'ghost-opportunity', locationId: ghlLocationId, contactId: ghostContact, name: 'Ghost deal', status: 'open', monetaryValue: 10, dateAdded: now });
    await deliver('AppointmentCreate', { type: 'AppointmentCreate', locationId: ghlLocationId, appointment: { id: 'ghost-appointment', locationId: ghlLocationId, contactId: ghostContact, title: 'Ghost call', startTime: now, endTime: now, appointmentStatus: 'confirmed', dateUpdated: now } });
    await deliver('InvoiceCreate', { type: 'InvoiceCreate', _id: 'ghost-invoice', altId: ghlLocationId, altType: 'location', name: 'Ghost invoice', status: 'draft', total: 5, currency: 'USD', contactDetails: { id: ghostContact, name: 'Ghost' }, updatedAt: now });
    for (const [path, ghlId] of [['conversations', 'ghost-conversation'], ['projects', 'ghost-opportunity'], ['appointments', 'ghost-appointment'], ['invoices', 'ghost-invoice']] as const) {
      const window = path === 'appointments' ? '&from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z' : '';
      const found = await get<PageBody<{ ghlId: string }>>(`${base}/${path}?contactId=${ghostContact}&limit=200${window}`);
      expect(found.status, path).toBe(200);
      expect(found.body.items.map((item) => item.ghlId), path).toEqual([ghlId]);
    }
  });
});

describe('openapi', () => {
  it('documents every CRM read route with its response schema', async () => {
    const spec = (await kit.server.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, { get?: { responses: Record<string, unknown> } }> }>();
    for (const path of ['contacts', 'contacts/{contactId}', 'pipelines', 'projects', 'projects/{projectId}', 'appointments', 'appointments/{appointmentId}', 'calendars', 'calendars/{calendarId}/free-slots', 'conversations', 'conversations/{conversationId}/messages', 'invoices', 'invoices/{invoiceId}']) {
      expect(spec.paths[`/api/locations/{locationId}/${path}`]?.get?.responses['200'], path).toBeDefined();
    }
  });
});

describe('end of run', () => {
  it('leaves no dead event, no dead job and no error-level log line', async () => {
    await kit.expectCleanEnd();
  });
});
