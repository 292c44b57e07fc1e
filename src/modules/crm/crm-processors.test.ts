import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { buildGhlEvent, loadGhlExample, loadGhlExamples, processGhlEvent, processGhlEventOrThrow } from '../../../test/support/ghl-webhook-examples.js';
import { queryRows, type Database } from '../../platform/db/index.js';
import { generateId } from '../../platform/ids/ids.js';
import { systemClock } from '../../platform/clock/clock.js';
import { ensureGhlCompany, ensureGhlLocation, type TenantRef } from '../tenants/index.js';
import { ProcessorRegistry, type WebhookEvent } from '../webhooks/index.js';
import { createCrmWebhookSubscriptions } from './index.js';

let database: Database;
const registry = new ProcessorRegistry();
registry.subscribeAll(createCrmWebhookSubscriptions({ generateId, clock: systemClock }));

/** GHL location ids used by the official examples, all installed under one agency. */
const EXAMPLE_LOCATIONS = {
  contacts: 've9EPM428h8vShlRW1KT',
  appointments: '0007BWpSzSwfiuSl0tR2',
  unread: 'ADVlSQnPsdq3hinusd6C3',
  invoices: '6578278e879ad2646715ba9c',
  orders: 'Z4Bxl8J4SaPEPLq9IQ8g',
  products: '3SwdhCsvxI8Au3KsPJt6',
} as const;
const tenants = new Map<string, TenantRef>();

beforeAll(async () => {
  database = await createTestDatabase();
  const messageLocations = [...loadGhlExamples('InboundMessage'), ...loadGhlExamples('OutboundMessage')].map((example) => example.payload['locationId'] as string);
  await database.system(async (tx) => {
    for (const ghlLocationId of new Set([...Object.values(EXAMPLE_LOCATIONS), ...messageLocations])) {
      tenants.set(ghlLocationId, await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: 'agency-a' }));
    }
    tenants.set('other-agency-location', await ensureGhlLocation(tx, generateId, { ghlLocationId: 'other-agency-location', ghlCompanyId: 'agency-b' }));
  });
});
afterAll(async () => database.close());

/** Timestamps come back as Date (pg) or string (PGlite through drizzle's execute). */
const iso = (value: unknown) => new Date(value as string | Date).toISOString();
const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();

/** An example delivered at a given envelope time (what real deliveries carry; the docs' examples do not). */
function delivered(eventType: string, payload: Record<string, unknown>, minute: number, overrides: Partial<WebhookEvent> = {}): WebhookEvent {
  return buildGhlEvent(eventType, { ...payload, timestamp: at(minute) }, overrides);
}

/** Through the real dispatcher step: stale rule, lease, every processor, skip rule (test/support). */
async function process(event: WebhookEvent) {
  return processGhlEventOrThrow(database, registry, event);
}

async function rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return queryRows<T>(database.db, query);
}

describe('contact processors', () => {
  const contact = () => loadGhlExample('ContactCreate');

  it('stores the official ContactCreate example and is idempotent', async () => {
    const event = delivered('ContactCreate', contact(), 1);
    expect(await process(event)).toEqual({ status: 'done' });
    const select = sql`select c.*, l.ghl_location_id from contacts c join locations l on l.id = c.location_id where c.ghl_id = 'nmFmQEsNgz6AVpgLVUJ0'`;
    const [first] = await rows<Record<string, unknown>>(select);
    expect(first).toMatchObject({
      ghl_location_id: EXAMPLE_LOCATIONS.contacts,
      company_id: tenants.get(EXAMPLE_LOCATIONS.contacts)?.companyId,
      first_name: 'John',
      last_name: 'Deo',
      full_name: 'John Deo',
      email: 'JohnDeo@gmail.comm',
      phone: '+919509597501',
      tags: ['id magna sed Lorem', 'Duis dolor commodo aliqua'],
      is_dnd: true,
      source: 'xyz form',
      assigned_to: 'nmFmQEsNgz6AVpgLVUJ0',
      custom_fields: [{ id: 'BcdmQEsNgz6AVpgLVUJ0', value: 'XYZ Corp' }],
      deleted_at: null,
    });
    expect(iso(first?.['source_updated_at'])).toBe(at(1));

    expect(await process(event)).toMatchObject({ status: 'skipped' });
    const again = await rows<Record<string, unknown>>(select);
    expect(again).toHaveLength(1);
    expect(again[0]).toEqual(first);
  });

  it('applies tag and DND events, keeps dndSettings when later events omit them, and lets the newest version win', async () => {
    await process(delivered('ContactTagUpdate', { ...contact(), tags: ['vip'] }, 2));
    await process(delivered('ContactDndUpdate', loadGhlExample('ContactDndUpdate'), 3));
    await process(delivered('ContactUpdate', { ...contact(), tags: ['vip', 'paid'], firstName: 'Johnny' }, 5));
    // Older than what is stored: ignored.
    await process(delivered('ContactUpdate', { ...contact(), tags: ['stale'], firstName: 'Stale' }, 4));
    const [row] = await rows<{ first_name: string; tags: string[]; dnd_settings: Record<string, { status: string }> }>(
      sql`select first_name, tags, dnd_settings from contacts where ghl_id = 'nmFmQEsNgz6AVpgLVUJ0'`,
    );
    expect(row?.first_name).toBe('Johnny');
    expect(row?.tags).toEqual(['vip', 'paid']);
    expect(row?.dnd_settings['Email']?.status).toBe('active');
  });

  it('prefers dateUpdated over the delivery time when the payload has it', async () => {
    const payload = { ...contact(), id: 'contact-dated', dateUpdated: '2026-02-01T00:00:00.000Z', firstName: 'Newer' };
    await process(delivered('ContactUpdate', payload, 1));
    // Delivered later, but its own change time is older.
    await process(delivered('ContactUpdate', { ...payload, dateUpdated: '2026-01-15T00:00:00.000Z', firstName: 'Older' }, 30));
    const [row] = await rows<{ first_name: string }>(sql`select first_name from contacts where ghl_id = 'contact-dated'`);
    expect(row?.first_name).toBe('Newer');
  });

  it('ends right when the update arrives before the create', async () => {
    const payload = { ...contact(), id: 'contact-reordered' };
    await process(delivered('ContactUpdate', { ...payload, email: 'new@example.test' }, 10));
    await process(delivered('ContactCreate', { ...payload, email: 'old@example.test' }, 9));
    const found = await rows<{ email: string }>(sql`select email from contacts where ghl_id = 'contact-reordered'`);
    expect(found).toEqual([{ email: 'new@example.test' }]);
  });

  it('soft-deletes; stale and even newer updates never resurrect the contact', async () => {
    const payload = { ...contact(), id: 'contact-deleted' };
    await process(delivered('ContactCreate', payload, 1));
    expect(await process(delivered('ContactDelete', { ...loadGhlExample('ContactDelete'), id: 'contact-deleted' }, 5))).toEqual({ status: 'done' });
    expect(await process(delivered('ContactUpdate', { ...payload, firstName: 'Stale' }, 4))).toMatchObject({ status: 'skipped' });
    await process(delivered('ContactUpdate', { ...payload, firstName: 'Companion' }, 6));
    expect(await process(delivered('ContactDelete', { id: 'contact-deleted', locationId: EXAMPLE_LOCATIONS.contacts }, 5))).toMatchObject({ status: 'skipped' });
    const [row] = await rows<{ first_name: string; deleted_at: Date }>(sql`select first_name, deleted_at from contacts where ghl_id = 'contact-deleted'`);
    expect(row?.first_name).toBe('John');
    expect(iso(row?.deleted_at)).toBe(at(5));
  });

  it('records a delete that arrives before the create as a tombstone', async () => {
    await process(delivered('ContactDelete', { id: 'contact-early-delete', locationId: EXAMPLE_LOCATIONS.contacts }, 5));
    await process(delivered('ContactCreate', { ...contact(), id: 'contact-early-delete' }, 1));
    const found = await rows<{ deleted_at: Date | null }>(sql`select deleted_at from contacts where ghl_id = 'contact-early-delete'`);
    expect(found).toHaveLength(1);
    expect(found[0]?.deleted_at).not.toBeNull();
  });
});

describe('note and task processors', () => {
  it('creates, updates and deletes notes from the official examples', async () => {
    await process(delivered('NoteCreate', loadGhlExample('NoteCreate'), 1));
    await process(delivered('NoteUpdate', { ...loadGhlExample('NoteUpdate'), body: 'Edited' }, 2));
    const [note] = await rows<{ body: string; contact_ghl_id: string; deleted_at: Date | null }>(
      sql`select body, contact_ghl_id, deleted_at from notes where ghl_id = 'otg8dTQqGLh3Q6iQI55w'`,
    );
    expect(note).toEqual({ body: 'Edited', contact_ghl_id: 'CWBf1PR9LvvBkcYqiXlc', deleted_at: null });
    await process(delivered('NoteDelete', loadGhlExample('NoteDelete'), 3));
    const [deleted] = await rows<{ deleted_at: Date | null }>(sql`select deleted_at from notes where ghl_id = 'otg8dTQqGLh3Q6iQI55w'`);
    expect(iso(deleted?.deleted_at)).toBe(at(3));
  });

  it('survives TaskCreate without contactId/body (issue #332), completes and deletes tasks', async () => {
    await process(delivered('TaskCreate', loadGhlExample('TaskCreate'), 1));
    const { contactId: _contactId, body: _body, ...defective } = loadGhlExample('TaskCreate');
    expect(await process(delivered('TaskCreate', { ...defective, title: 'Renamed' }, 2))).toEqual({ status: 'done' });
    const select = sql`select title, body, contact_ghl_id, completed_at, due_at from tasks where ghl_id = 'UlRWGLSXh0ji5qbiGu4i'`;
    const [task] = await rows<{ title: string; body: string; contact_ghl_id: string; completed_at: Date | null; due_at: Date }>(select);
    expect(task).toMatchObject({ title: 'Renamed', body: 'Loram ipsum', contact_ghl_id: 'CWBf1PR9LvvBkcYqiXlc', completed_at: null });
    expect(iso(task?.due_at)).toBe('2021-11-26T12:41:02.193Z');

    // A TaskCreate without contactId for a task we never saw is stored, not crashed on.
    expect(await process(delivered('TaskCreate', { ...defective, id: 'task-without-contact' }, 1))).toEqual({ status: 'done' });

    await process(delivered('TaskComplete', { ...loadGhlExample('TaskCreate'), title: 'Renamed' }, 3));
    // A replayed (older) TaskCreate does not reopen it.
    await process(delivered('TaskCreate', loadGhlExample('TaskCreate'), 1));
    const [completed] = await rows<{ completed_at: Date | null; title: string }>(select);
    expect(iso(completed?.completed_at)).toBe(at(3));
    expect(completed?.title).toBe('Renamed');

    await process(delivered('TaskComplete', loadGhlExample('TaskComplete'), 1));
    const [other] = await rows<{ completed_at: Date | null }>(sql`select completed_at from tasks where ghl_id = '5HrB1IbmnKMBXloldFuP'`);
    expect(other?.completed_at).not.toBeNull();

    await process(delivered('TaskDelete', loadGhlExample('TaskDelete'), 4));
    const [deleted] = await rows<{ deleted_at: Date | null }>(sql`select deleted_at from tasks where ghl_id = 'UlRWGLSXh0ji5qbiGu4i'`);
    expect(deleted?.deleted_at).not.toBeNull();
  });
});

describe('opportunity processors', () => {
  const pages = ['OpportunityCreate', 'OpportunityUpdate', 'OpportunityStatusUpdate', 'OpportunityStageUpdate', 'OpportunityMonetaryValueUpdate', 'OpportunityAssignedToUpdate'];

  it('applies every official opportunity example to one row with the value in exact cents', async () => {
    for (const [index, page] of pages.entries()) expect(await process(delivered(page, loadGhlExample(page), index + 1))).toEqual({ status: 'done' });
    const found = await rows<Record<string, unknown>>(
      sql`select name, pipeline_id, pipeline_stage_id, status, monetary_value_cents::text as cents, contact_ghl_id, assigned_to from opportunities where ghl_id = 'wWhVuzqpRuOA1ZVWi4FC'`,
    );
    expect(found).toEqual([
      {
        name: 'Loram ipsu',
        pipeline_id: 'VDm7RPYC2GLUvdpKmBfC',
        pipeline_stage_id: 'e93ba61a-53b3-45e7-985a-c7732dbcdb69',
        status: 'open',
        cents: '4000',
        contact_ghl_id: 'cJAWDskpkJHbRbhAT7bs',
        assigned_to: 'bNl8QNGXhIQJLv8eeASQ',
      },
    ]);
  });

  it('converts 1.005 and large decimal strings without float drift', async () => {
    const base = loadGhlExample('OpportunityCreate');
    await process(delivered('OpportunityCreate', { ...base, id: 'opp-cents', monetaryValue: 1.005 }, 1));
    await process(delivered('OpportunityCreate', { ...base, id: 'opp-big', monetaryValue: '90071992547409.91' }, 1));
    await process(delivered('OpportunityCreate', { ...base, id: 'opp-no-value', monetaryValue: 'n/a' }, 1));
    const found = await rows<{ ghl_id: string; cents: string | null }>(
      sql`select ghl_id, monetary_value_cents::text as cents from opportunities where ghl_id in ('opp-cents', 'opp-big', 'opp-no-value') order by ghl_id`,
    );
    expect(found).toEqual([
      { ghl_id: 'opp-big', cents: '9007199254740991' },
      { ghl_id: 'opp-cents', cents: '101' },
      { ghl_id: 'opp-no-value', cents: null },
    ]);
  });

  it('stays deleted when GHL sends OpportunityUpdate alongside OpportunityDelete (issue #27)', async () => {
    const base = { ...loadGhlExample('OpportunityCreate'), id: 'opp-deleted' };
    await process(delivered('OpportunityCreate', base, 1));
    await process(delivered('OpportunityDelete', { ...loadGhlExample('OpportunityDelete'), id: 'opp-deleted' }, 2));
    await process(delivered('OpportunityUpdate', { ...base, status: 'lost' }, 2));
    const [row] = await rows<{ status: string; deleted_at: Date | null }>(sql`select status, deleted_at from opportunities where ghl_id = 'opp-deleted'`);
    expect(row?.status).toBe('open');
    expect(iso(row?.deleted_at)).toBe(at(2));
  });

  it('orders versions with the same change time by delivery time', async () => {
    const base = { ...loadGhlExample('OpportunityCreate'), id: 'opp-tie', dateUpdated: '2026-01-01T00:00:00.000Z' };
    await process(delivered('OpportunityStatusUpdate', { ...base, status: 'won' }, 5));
    await process(delivered('OpportunityUpdate', { ...base, status: 'open' }, 4));
    const [row] = await rows<{ status: string }>(sql`select status from opportunities where ghl_id = 'opp-tie'`);
    expect(row?.status).toBe('won');
  });
});

describe('appointment processors', () => {
  it('reads the nested appointment and accepts the Update/Delete examples mislabelled AppointmentCreate', async () => {
    const create = loadGhlExample('AppointmentCreate');
    expect(await process(delivered('AppointmentCreate', create, 1))).toEqual({ status: 'done' });
    const select = sql`select calendar_id, contact_ghl_id, title, status, start_time, end_time, deleted_at from appointments where ghl_id = '0007BWpSzSwfiuSl0tR2'`;
    const [row] = await rows<Record<string, unknown>>(select);
    expect(row).toMatchObject({ calendar_id: 'BqTwX8QFwXzpegMve9EQ', contact_ghl_id: '9NkT25Vor1v4aQatFsv2', title: 'Appointment with GHL Dev team', status: 'confirmed', deleted_at: null });
    expect(iso(row?.['start_time'])).toBe('2023-09-25T10:30:00.000Z');

    // The AppointmentUpdate example says type AppointmentCreate: dispatched by that type, it still updates.
    const update = loadGhlExample('AppointmentUpdate') as { type: string; appointment: Record<string, unknown> };
    expect(update.type).toBe('AppointmentCreate');
    update.appointment['dateUpdated'] = '2023-09-26T00:00:00.000Z';
    update.appointment['appointmentStatus'] = 'cancelled';
    expect(await process(delivered(update.type, update, 2))).toEqual({ status: 'done' });
    const [updated] = await rows<{ status: string }>(select);
    expect(updated?.status).toBe('cancelled');

    await process(delivered('AppointmentDelete', loadGhlExample('AppointmentDelete'), 3));
    const [deleted] = await rows<{ deleted_at: Date | null }>(select);
    expect(deleted?.deleted_at).not.toBeNull();
  });

  it('skips an appointment event without the nested appointment instead of retrying it', async () => {
    const outcome = await process(delivered('AppointmentCreate', { type: 'AppointmentCreate', locationId: EXAMPLE_LOCATIONS.appointments }, 1));
    expect(outcome).toMatchObject({ status: 'skipped', reason: expect.stringContaining('malformed') as unknown });
  });
});

describe('conversation processors', () => {
  it('stores every official message example once, with the right direction, and its conversation', async () => {
    const examples = [...loadGhlExamples('InboundMessage'), ...loadGhlExamples('OutboundMessage')];
    for (const [index, example] of examples.entries()) {
      // Dispatched by the payload's own `type`, as the ingest does (InboundMessage's call example says OutboundMessage).
      const event = delivered(example.payload['type'] as string, example.payload, index + 1, { deliveryId: `msg-example-${index}` });
      expect(await process(event)).toEqual({ status: 'done' });
      expect(await process(event)).toMatchObject({ status: 'skipped' });
    }
    const messages = await rows<{ ghl_id: string; direction: string; message_type: string; conversation_id: string; conversation_ghl_id: string }>(
      sql`select ghl_id, direction, message_type, conversation_id, conversation_ghl_id from messages order by ghl_id`,
    );
    // The two call examples share messageId tyW42xCD0HQpb3hhfLcx: one message, the later delivery wins.
    expect(messages).toHaveLength(examples.length - 1);
    const byGhlId = new Map(messages.map((message) => [message.ghl_id, message]));
    expect(byGhlId.get('tyW42xCD0HQpb3hhfLcx')?.direction).toBe('outbound');
    expect(byGhlId.get('QkNS0DNje0FjoLQdD5O3')?.direction).toBe('inbound');
    expect(byGhlId.get('hhYtaQM2I9ym8qhU9CmM')).toMatchObject({ direction: 'outbound', message_type: 'VoiceMail' });
    // OutboundMessage SMS example: direction inbound but source app → outbound. No messageId → keyed by delivery.
    expect(byGhlId.get('delivery:msg-example-4')).toMatchObject({ direction: 'outbound', message_type: 'SMS' });
    expect(byGhlId.get('delivery:msg-example-0')).toMatchObject({ direction: 'inbound', message_type: 'SMS' });

    const conversations = await rows<{ id: string; ghl_id: string; last_message_body: string | null }>(sql`select id, ghl_id, last_message_body from conversations`);
    for (const message of messages) {
      expect(conversations.find((conversation) => conversation.id === message.conversation_id)?.ghl_id).toBe(message.conversation_ghl_id);
    }
    expect(conversations.find((conversation) => conversation.ghl_id === 'fcanlLgpbQgQhderivVs')?.last_message_body).toBe('This is a test message');
  });

  it('keeps the newest message as the conversation summary whatever the arrival order', async () => {
    const base = { ...loadGhlExample('InboundMessage'), conversationId: 'conv-order' };
    await process(delivered('InboundMessage', { ...base, messageId: 'm2', body: 'second', dateAdded: '2026-01-01T00:02:00.000Z' }, 2));
    await process(delivered('InboundMessage', { ...base, messageId: 'm1', body: 'first', dateAdded: '2026-01-01T00:01:00.000Z' }, 3));
    const [conversation] = await rows<{ last_message_body: string; last_message_ghl_id: string }>(
      sql`select last_message_body, last_message_ghl_id from conversations where ghl_id = 'conv-order'`,
    );
    expect(conversation).toEqual({ last_message_body: 'second', last_message_ghl_id: 'm2' });
    const [count] = await rows<{ count: number }>(sql`select count(*)::int as count from messages where conversation_ghl_id = 'conv-order'`);
    expect(count?.count).toBe(2);
  });

  it('applies ConversationUnreadUpdate (page ConversationUnreadWebhook), stale-safe', async () => {
    const payload = loadGhlExample('ConversationUnreadWebhook');
    expect(await process(delivered('ConversationUnreadUpdate', { ...payload, unreadCount: 3 }, 2))).toEqual({ status: 'done' });
    expect(await process(delivered('ConversationUnreadUpdate', payload, 1))).toMatchObject({ status: 'skipped' });
    const [conversation] = await rows<{ unread_count: number; is_starred: boolean; is_inbox: boolean; contact_ghl_id: string }>(
      sql`select unread_count, is_starred, is_inbox, contact_ghl_id from conversations where ghl_id = 'MzKIpg0rEIH2ZUGKf6BS'`,
    );
    expect(conversation).toEqual({ unread_count: 3, is_starred: true, is_inbox: false, contact_ghl_id: 'zsYhPBOUsEHtrK508Wm9' });
  });
});

describe('invoice, order, product and price processors', () => {
  const invoicePages = ['InvoiceCreate', 'InvoiceUpdate', 'InvoiceSent', 'InvoicePartiallyPaid', 'InvoicePaid'];

  it('takes the location from altId, needs no `type`, and keeps totals in cents', async () => {
    for (const [index, page] of invoicePages.entries()) {
      const payload = loadGhlExample(page);
      expect(payload['type']).toBeUndefined();
      expect(await process(delivered(page, payload, index + 1))).toEqual({ status: 'done' });
    }
    const select = sql`select i.status, i.invoice_number, i.currency, i.total_cents::text as total, i.amount_paid_cents::text as paid, i.amount_due_cents::text as due,
      i.subtotal_cents::text as subtotal, i.contact_ghl_id, i.issue_date::text as issue_date, i.deleted_at, l.ghl_location_id
      from invoices i join locations l on l.id = i.location_id where i.ghl_id = '6578278e879ad2646715ba9c'`;
    expect(await rows(select)).toEqual([
      {
        status: 'paid',
        invoice_number: '19',
        currency: 'USD',
        total: '99900',
        paid: '99900',
        due: '0',
        subtotal: '99900',
        contact_ghl_id: '6578278e879ad2646715ba9c',
        issue_date: '2023-01-01',
        deleted_at: null,
        ghl_location_id: EXAMPLE_LOCATIONS.invoices,
      },
    ]);
    // Same updatedAt in every example: a replayed, earlier-delivered InvoiceSent loses the tie.
    await process(delivered('InvoiceSent', loadGhlExample('InvoiceSent'), 3));
    expect((await rows<{ status: string }>(select))[0]?.status).toBe('paid');

    await process(delivered('InvoiceVoid', loadGhlExample('InvoiceVoid'), 10));
    expect((await rows<{ status: string }>(select))[0]?.status).toBe('void');
    await process(delivered('InvoiceDelete', loadGhlExample('InvoiceDelete'), 11));
    expect((await rows<{ deleted_at: Date | null }>(select))[0]?.deleted_at).not.toBeNull();
  });

  it('stores orders with exact amount breakdowns and applies the status update', async () => {
    await process(delivered('OrderCreate', loadGhlExample('OrderCreate'), 1));
    await process(delivered('OrderStatusUpdate', loadGhlExample('OrderStatusUpdate'), 2));
    expect(
      await rows(sql`select status, fulfillment_status, amount_cents::text as amount, subtotal_cents::text as subtotal, tax_cents::text as tax,
        shipping_cents::text as shipping, contact_ghl_id, source_type from orders where ghl_id = '660ed43bfdf9fc05a0de7a40'`),
    ).toEqual([{ status: 'completed', fulfillment_status: 'unfulfilled', amount: '15010', subtotal: '13800', tax: '1210', shipping: '0', contact_ghl_id: 'ff2JstbQJfRuofXzeT0M', source_type: 'website' }]);
  });

  it('handles products and prices, reading the price type from priceType or a price-type `type`', async () => {
    await process(delivered('ProductCreate', loadGhlExample('ProductCreate'), 1));
    await process(delivered('ProductUpdate', { ...loadGhlExample('ProductUpdate'), name: 'Renamed', updatedAt: '2024-02-01T00:00:00.000Z' }, 2));
    expect(await rows(sql`select name, product_type, is_available_in_store from products where ghl_id = '655b33a82209e60b6adb87a5'`)).toEqual([
      { name: 'Renamed', product_type: 'PHYSICAL', is_available_in_store: true },
    ]);
    await process(delivered('PriceCreate', loadGhlExample('PriceCreate'), 1));
    const priceSelect = sql`select price_type, currency, amount_cents::text as amount, compare_at_price_cents::text as compare_at, product_ghl_id, recurring_interval, deleted_at
      from prices where ghl_id = '655b33aa2209e60b6adb87a7'`;
    expect(await rows(priceSelect)).toEqual([
      { price_type: 'one_time', currency: 'INR', amount: '19999900', compare_at: '200000000', product_ghl_id: '655b33a82209e60b6adb87a5', recurring_interval: 'day', deleted_at: null },
    ]);
    // A real PriceUpdate may carry the event name in `type`: it must not become the price type.
    await process(delivered('PriceUpdate', { ...loadGhlExample('PriceUpdate'), type: 'PriceUpdate', updatedAt: '2024-02-01T00:00:00.000Z' }, 2));
    expect((await rows<{ price_type: string | null }>(priceSelect))[0]?.price_type).toBeNull();
    await process(delivered('PriceDelete', loadGhlExample('PriceDelete'), 3));
    await process(delivered('ProductDelete', loadGhlExample('ProductDelete'), 3));
    expect((await rows<{ deleted_at: Date | null }>(priceSelect))[0]?.deleted_at).not.toBeNull();
    expect(await rows(sql`select ghl_id from products where deleted_at is null and ghl_id = '655b33a82209e60b6adb87a5'`)).toEqual([]);
  });
});

describe('GHL user processors', () => {
  it('stores sub-account and agency users under the company and soft-deletes them', async () => {
    await database.system((tx) => ensureGhlCompany(tx, generateId, { ghlCompanyId: 've9EPM428h8vShlRW1KT' }));
    const subAccount = loadGhlExample('UserCreate', 'Sub Account');
    expect(await process(delivered('UserCreate', { ...subAccount, id: 'user-sub' }, 1))).toEqual({ status: 'done' });
    const agency = loadGhlExample('UserCreate', 'Agency');
    expect(await process(delivered('UserCreate', { ...agency, id: 'user-agency' }, 1))).toEqual({ status: 'done' });
    // A second location for the sub-account user grows its list.
    await process(delivered('UserUpdate', { ...subAccount, id: 'user-sub', locationId: EXAMPLE_LOCATIONS.orders, role: 'admin' }, 2));
    const users = await rows<{ ghl_id: string; company_id: string; ghl_location_ids: string[]; role: string; email: string }>(
      sql`select ghl_id, company_id, ghl_location_ids, role, email from ghl_users where ghl_id in ('user-sub', 'user-agency') order by ghl_id`,
    );
    expect(users[0]).toMatchObject({ ghl_id: 'user-agency', ghl_location_ids: ['ve9EPM428h8vShlRW1KT'], role: 'admin', email: 'john.doe+3@example.com' });
    expect(users[1]).toMatchObject({ ghl_id: 'user-sub', company_id: tenants.get(EXAMPLE_LOCATIONS.contacts)?.companyId, role: 'admin' });
    expect([...(users[1]?.ghl_location_ids ?? [])].sort()).toEqual([EXAMPLE_LOCATIONS.contacts, EXAMPLE_LOCATIONS.orders].sort());

    await process(delivered('UserDelete', { ...subAccount, id: 'user-sub', type: 'UserCreate' }, 3));
    const [deleted] = await rows<{ deleted_at: Date | null }>(sql`select deleted_at from ghl_users where ghl_id = 'user-sub'`);
    expect(deleted?.deleted_at).not.toBeNull();
  });

  it('retries users of an unknown agency', async () => {
    const agency = { ...loadGhlExample('UserCreate', 'Agency'), companyId: 'unknown-agency', locations: [] };
    await expect(process(delivered('UserCreate', agency, 1))).rejects.toThrow(/^LocationNotInstalledError: /);
  });
});

describe('every official example', () => {
  const pages = [
    'ContactCreate', 'ContactUpdate', 'ContactTagUpdate', 'ContactDndUpdate', 'ContactDelete', 'NoteCreate', 'NoteUpdate', 'NoteDelete',
    'TaskCreate', 'TaskComplete', 'TaskDelete', 'OpportunityCreate', 'OpportunityUpdate', 'OpportunityStatusUpdate', 'OpportunityStageUpdate',
    'OpportunityMonetaryValueUpdate', 'OpportunityAssignedToUpdate', 'OpportunityDelete', 'AppointmentCreate', 'AppointmentUpdate', 'AppointmentDelete',
    'InboundMessage', 'OutboundMessage', 'ConversationUnreadWebhook', 'InvoiceCreate', 'InvoiceUpdate', 'InvoiceSent', 'InvoicePaid',
    'InvoicePartiallyPaid', 'InvoiceVoid', 'InvoiceDelete', 'OrderCreate', 'OrderStatusUpdate', 'ProductCreate', 'ProductUpdate', 'ProductDelete',
    'PriceCreate', 'PriceUpdate', 'PriceDelete', 'UserCreate',
  ];
  const eventTypeOf = (page: string) => (page === 'ConversationUnreadWebhook' ? 'ConversationUnreadUpdate' : page);

  it('has a processor for each documented event page', () => {
    for (const page of pages) expect(registry.find(eventTypeOf(page)), page).toHaveLength(1);
  });

  it('changes nothing when an already processed delivery is processed again', async () => {
    const database2 = await createTestDatabase();
    try {
      await database2.system(async (tx) => {
        const ghlLocationIds = new Set(pages.flatMap((page) => loadGhlExamples(page).map((example) => (example.payload['locationId'] ?? example.payload['altId']) as string)));
        for (const ghlLocationId of ghlLocationIds) await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: 'agency-replay' });
        // The agency user example names this agency.
        await ensureGhlCompany(tx, generateId, { ghlCompanyId: 've9EPM428h8vShlRW1KT' });
      });
      const snapshot = async () => {
        const parts: unknown[] = [];
        for (const table of ['contacts', 'notes', 'tasks', 'opportunities', 'appointments', 'conversations', 'messages', 'invoices', 'orders', 'products', 'prices', 'ghl_users']) {
          parts.push(await queryRows(database2.db, sql`select * from ${sql.identifier(table)} order by id`));
        }
        return parts;
      };
      let minute = 0;
      for (const page of pages) {
        for (const [index, example] of loadGhlExamples(page).entries()) {
          minute += 1;
          const event = delivered(eventTypeOf(page), example.payload, minute, { deliveryId: `${page}-${index}` });
          const first = await processGhlEvent(database2, registry, event);
          expect(first.status, `${page} ${example.label}: ${first.reason ?? first.error ?? ''}`).toBe('done');
          const before = await snapshot();
          // The same delivery again (an operator's replay): every processor must see it was applied.
          const second = await processGhlEvent(database2, registry, event);
          expect(second.status, `${page} ${example.label}`).toBe('skipped');
          expect(await snapshot(), `${page} ${example.label}`).toEqual(before);
        }
      }
    } finally {
      await database2.close();
    }
  }, 240_000); // a fresh database and ~50 examples, each processed twice with 12 table snapshots: over 60 s at load 17
});

describe('failure handling', () => {
  it('throws a retryable LocationNotInstalledError for an unknown location and writes nothing', async () => {
    const payload = { ...loadGhlExample('ContactCreate'), id: 'contact-unknown-location', locationId: 'not-installed-yet' };
    await expect(process(delivered('ContactCreate', payload, 1))).rejects.toThrow(/^LocationNotInstalledError: /);
    await expect(process(delivered('InvoiceCreate', { ...loadGhlExample('InvoiceCreate'), altId: 'not-installed-yet' }, 1))).rejects.toThrow(/not installed/);
    expect(await rows(sql`select id from contacts where ghl_id = 'contact-unknown-location'`)).toEqual([]);
  });

  it('skips payloads without an entity id or location instead of retrying them forever', async () => {
    expect(await process(delivered('ContactCreate', { locationId: EXAMPLE_LOCATIONS.contacts, firstName: 'No id' }, 1))).toMatchObject({ status: 'skipped' });
    expect(await process(delivered('OpportunityCreate', { ...loadGhlExample('OpportunityCreate'), id: 42 }, 1))).toMatchObject({ status: 'skipped' });
    expect(await process(delivered('NoteCreate', { id: 'note-nowhere' }, 1))).toMatchObject({ status: 'skipped', reason: expect.stringContaining('no location') as unknown });
    expect(await process(delivered('InboundMessage', { locationId: EXAMPLE_LOCATIONS.contacts, body: 'no conversation' }, 1))).toMatchObject({ status: 'skipped' });
  });

  it('tolerates unexpected field types and unknown fields', async () => {
    const payload = { ...loadGhlExample('ContactCreate'), id: 'contact-odd', tags: 'not-a-list', dnd: 'yes', email: 12, brandNewField: { nested: true } };
    expect(await process(delivered('ContactCreate', payload, 1))).toEqual({ status: 'done' });
    expect(await rows(sql`select tags, is_dnd, email from contacts where ghl_id = 'contact-odd'`)).toEqual([{ tags: [], is_dnd: false, email: null }]);
  });
});

describe('tenant isolation', () => {
  it('hides one agency location rows from another agency through RLS', async () => {
    const own = tenants.get(EXAMPLE_LOCATIONS.contacts) as TenantRef;
    const other = tenants.get('other-agency-location') as TenantRef;
    const count = (scope: { companyId: string; locationIds: '*' | string[] }, table: string) =>
      database.tenant(scope, async (tx) => (await queryRows<{ count: number }>(tx, sql`select count(*)::int as count from ${sql.identifier(table)}`))[0]?.count);
    for (const table of ['contacts', 'notes', 'tasks', 'opportunities', 'ghl_users']) {
      expect(await count({ companyId: own.companyId, locationIds: '*' }, table)).toBeGreaterThan(0);
      expect(await count({ companyId: other.companyId, locationIds: '*' }, table)).toBe(0);
    }
    // Same company, but a caller limited to another location sees none of this location's contacts.
    expect(await count({ companyId: own.companyId, locationIds: [tenants.get(EXAMPLE_LOCATIONS.orders)?.locationId as string] }, 'contacts')).toBe(0);
  });
});
