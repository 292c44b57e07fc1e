import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BatchOutcome, WebhookBatchProcessor, WebhookEvent, WebhookProcessor, WebhookWorkers } from '../src/modules/webhooks/index.js';
import { queryRows, type Tx } from '../src/platform/db/index.js';
import { generateId } from '../src/platform/ids/ids.js';
import { CRM_WEBHOOK_ROUTES, createCrmWebhookSubscriptions } from '../src/modules/crm/index.js';
import { ensureGhlLocation } from '../src/modules/tenants/index.js';
import { createGhlLifecycleSubscriptions } from '../src/modules/ghl/index.js';
import { systemClock } from '../src/platform/clock/clock.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestWebhookKeys, ghlEvent, waitForInboxDrained, type TestWebhookKeys, ingestSigned } from './webhooks-kit.js';

/*
 * A claim is processed in batches: one transaction per chunk, set-based where a batch processor
 * exists, savepoints around the rest. These tests pin the rules that must survive that: one failing
 * event neither fails nor delays the others, and an event's effects and its completion commit together.
 */

let app: TestApp;
let keys: TestWebhookKeys;
let workers: WebhookWorkers | undefined;
const batchSizes: number[] = [];
const messageBatches: string[][] = [];
const locationBatches: string[][] = [];

async function applyDeal(tx: Tx, event: WebhookEvent): Promise<void> {
  await tx.execute(sql`insert into wh_batch_deals (id, name) values (${String(event.payload.id)}, ${String(event.payload.name ?? '')})
    on conflict (id) do update set name = excluded.name, applied = wh_batch_deals.applied + 1`);
}

const oneDeal: WebhookProcessor = async (tx, event) => {
  if (event.payload.fail === 'always') throw new Error('this deal always fails');
  await applyDeal(tx, event);
  return { status: 'done' };
};

const manyDeals = async (tx: Tx, events: readonly WebhookEvent[]): Promise<BatchOutcome[]> => {
  batchSizes.push(events.length);
  const outcomes: BatchOutcome[] = [];
  for (const event of events) {
    if (event.payload.fail === 'always') {
      outcomes.push({ status: 'failed', error: new Error('this deal always fails') });
      continue;
    }
    await applyDeal(tx, event);
    outcomes.push(event.payload.skip === true ? { status: 'skipped', reason: 'asked to skip' } : { status: 'done' });
  }
  return outcomes;
};

/** A processor without a batch form whose effect is written before it throws (the savepoint must undo it). */
const halfThenThrow: WebhookProcessor = async (tx, event) => {
  await applyDeal(tx, event);
  if (event.payload.fail === 'after-write') throw new Error('failed after writing');
  return { status: 'done' };
};

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({
    withDefaultProcessors: false,
    env: { ...keys.env, WEBHOOK_WORKER_IDLE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_RETRY_MAX_SECONDS: '1', WEBHOOK_WORKER_BATCH_SIZE: '50', WEBHOOK_WORKER_PER_LOCATION: '50', WEBHOOK_WORKER_CONCURRENCY: '1' },
  });
  await app.database.db.execute(sql`create table wh_batch_deals (id text primary key, name text not null, applied int not null default 1)`);
  app.processors.subscribe({ eventTypes: ['OpportunityUpdate'], route: CRM_WEBHOOK_ROUTES.opportunity, process: oneDeal, processBatch: manyDeals });
  app.processors.subscribe({ eventTypes: ['InvoiceUpdate'], route: CRM_WEBHOOK_ROUTES.invoice, process: halfThenThrow });
  // The real CRM processors for contacts (their batch form), on a location installed here.
  const crm = createCrmWebhookSubscriptions({ generateId, clock: systemClock });
  app.processors.subscribeAll(crm.filter((subscription) => subscription.eventTypes.some((type) => type.startsWith('Contact'))));
  // The real message processors, their one batch form shared by both types (counted, so the test sees it used).
  const counted = new Map<WebhookBatchProcessor, WebhookBatchProcessor>();
  for (const subscription of crm.filter((candidate) => candidate.eventTypes.some((type) => type.endsWith('boundMessage')))) {
    const real = subscription.processBatch;
    if (!real) throw new Error('message processors have a batch form');
    const wrapped =
      counted.get(real) ??
      (async (tx: Tx, events: readonly WebhookEvent[]) => {
        messageBatches.push(events.map((event) => event.eventType));
        return real(tx, events);
      });
    counted.set(real, wrapped);
    app.processors.subscribe({ ...subscription, processBatch: wrapped });
  }
  // The real LocationCreate/LocationUpdate processor (ghl lifecycle) with its batch form, counted.
  for (const subscription of createGhlLifecycleSubscriptions({ generateId, clock: systemClock }).filter((candidate) => candidate.eventTypes.includes('LocationUpdate'))) {
    const real = subscription.processBatch;
    if (!real) throw new Error('location processors have a batch form');
    app.processors.subscribe({
      ...subscription,
      processBatch: async (tx, events) => {
        locationBatches.push(events.map((event) => String(event.payload.id)));
        return real(tx, events);
      },
    });
  }
  await app.database.system((tx) => ensureGhlLocation(tx, generateId, { ghlLocationId: 'loc_batch', ghlCompanyId: 'agency_batch' }));
});
afterAll(async () => app.close());
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
});

async function send(payload: Record<string, unknown>): Promise<string> {
  await ingestSigned(app.app, keys, payload);
  return payload.webhookId as string;
}

async function statusesOf(webhookIds: readonly string[]) {
  const rows = await queryRows<{ deliveryId: string; status: string; attempts: number; lastError: string | null }>(
    app.database.db,
    sql`select delivery_id as "deliveryId", status, attempts, last_error as "lastError" from webhook_events where delivery_id = any(${sql.param([...webhookIds])}::text[])`,
  );
  return new Map(rows.map((row) => [row.deliveryId, row]));
}

async function settle(): Promise<void> {
  await waitForInboxDrained(app.database, 30_000);
}

describe('batched processing of a claim', () => {
  it('applies events of one type together; one failing event fails alone and the others commit with their finish marks', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 12; index += 1) ids.push(await send(ghlEvent('OpportunityUpdate', { id: `deal_${index}`, name: `Deal ${index}`, locationId: 'loc_batch', ...(index === 4 ? { fail: 'always' } : {}), ...(index === 7 ? { skip: true } : {}) })));
    workers = app.webhooks.startWorkers();
    await settle();
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    const statuses = await statusesOf(ids);
    for (const [index, id] of ids.entries()) {
      const expected = index === 4 ? { status: 'dead', attempts: 2 } : index === 7 ? { status: 'skipped', attempts: 1, lastError: 'asked to skip' } : { status: 'done', attempts: 1 };
      expect(statuses.get(id), `deal_${index}`).toMatchObject(expected);
    }
    expect(statuses.get(ids[4] as string)?.lastError).toContain('this deal always fails');
    const deals = await queryRows<{ id: string; applied: number }>(app.database.db, sql`select id, applied from wh_batch_deals where id like 'deal_%' order by id`);
    expect(deals).toHaveLength(11);
    expect(deals.every((deal) => deal.applied === 1)).toBe(true);
  });

  it('rolls a throwing event back to its savepoint: its half-written effect is gone, its neighbours keep theirs', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 6; index += 1) ids.push(await send(ghlEvent('InvoiceUpdate', { _id: `inv_${index}`, id: `bill_${index}`, name: `Bill ${index}`, altId: 'loc_batch', altType: 'location', ...(index === 2 ? { fail: 'after-write' } : {}) })));
    workers = app.webhooks.startWorkers();
    await settle();
    const statuses = await statusesOf(ids);
    expect(statuses.get(ids[2] as string)).toMatchObject({ status: 'dead', attempts: 2 });
    expect(ids.filter((_, index) => index !== 2).every((id) => statuses.get(id)?.status === 'done')).toBe(true);
    const bills = await queryRows<{ id: string }>(app.database.db, sql`select id from wh_batch_deals where id like 'bill_%' order by id`);
    expect(bills.map((bill) => bill.id)).toEqual(['bill_0', 'bill_1', 'bill_3', 'bill_4', 'bill_5']);
  });

  it('runs the CRM contact processors set-based: every contact stored, stale versions skipped, an unknown location retried alone', async () => {
    const at = (minute: number) => `2026-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const ids: string[] = [];
    for (let index = 0; index < 20; index += 1) ids.push(await send(ghlEvent('ContactUpdate', { id: `ct_batch_${index}`, locationId: 'loc_batch', firstName: `First ${index}`, dateUpdated: at(10) })));
    // An older version of a contact whose newer one is already queued, and a location nobody installed.
    const stale = await send(ghlEvent('ContactUpdate', { id: 'ct_batch_3', locationId: 'loc_batch', firstName: 'Old name', dateUpdated: at(1) }));
    const unknown = await send(ghlEvent('ContactUpdate', { id: 'ct_elsewhere', locationId: 'loc_not_installed', firstName: 'Nobody', dateUpdated: at(10) }));
    workers = app.webhooks.startWorkers();
    await settle();
    const statuses = await statusesOf([...ids, stale, unknown]);
    expect(ids.every((id) => statuses.get(id)?.status === 'done')).toBe(true);
    expect(statuses.get(stale)).toMatchObject({ status: 'skipped' });
    expect(statuses.get(unknown)).toMatchObject({ status: 'dead', attempts: 2 });
    expect(statuses.get(unknown)?.lastError).toContain('loc_not_installed');
    const contacts = await queryRows<{ ghlId: string; firstName: string }>(app.database.db, sql`select ghl_id as "ghlId", first_name as "firstName" from contacts where ghl_id like 'ct_batch_%' order by ghl_id`);
    expect(contacts).toHaveLength(20);
    expect(contacts.find((contact) => contact.ghlId === 'ct_batch_3')?.firstName).toBe('First 3');
  });

  it('runs the CRM message processors set-based across both types: conversations get their newest message, an unknown location retried alone', async () => {
    const at = (minute: number) => `2026-05-02T10:${String(minute).padStart(2, '0')}:00.000Z`;
    const ids: string[] = [];
    // One message per conversation (a claim holds one row per conversation), inbound and outbound mixed.
    for (let index = 0; index < 12; index += 1) {
      const type = index % 2 === 0 ? 'InboundMessage' : 'OutboundMessage';
      ids.push(await send(ghlEvent(type, { conversationId: `cv_batch_${index}`, contactId: `ct_msg_${index}`, messageId: `m_batch_${index}`, locationId: 'loc_batch', body: `Hello ${index}`, messageType: 'SMS', dateAdded: at(10) })));
    }
    // Later messages of conversation 0 (the newest is the one of minute 30, sent in the middle) and one of a location nobody installed.
    const later = [await send(ghlEvent('OutboundMessage', { conversationId: 'cv_batch_0', messageId: 'm_batch_0b', locationId: 'loc_batch', body: 'newest', messageType: 'SMS', dateAdded: at(30) }))];
    later.push(await send(ghlEvent('InboundMessage', { conversationId: 'cv_batch_0', messageId: 'm_batch_0c', locationId: 'loc_batch', body: 'older', messageType: 'SMS', dateAdded: at(20) })));
    const unknown = await send(ghlEvent('InboundMessage', { conversationId: 'cv_elsewhere', messageId: 'm_elsewhere', locationId: 'loc_not_installed', body: 'nobody', messageType: 'SMS' }));
    workers = app.webhooks.startWorkers();
    await settle();
    const statuses = await statusesOf([...ids, ...later, unknown]);
    expect([...ids, ...later].every((id) => statuses.get(id)?.status === 'done')).toBe(true);
    expect(statuses.get(unknown)).toMatchObject({ status: 'dead', attempts: 2 });
    expect(statuses.get(unknown)?.lastError).toContain('loc_not_installed');
    // Both types went through the one applier together.
    expect(messageBatches.some((types) => types.includes('InboundMessage') && types.includes('OutboundMessage'))).toBe(true);
    const conversations = await queryRows<{ ghlId: string; id: string; lastBody: string; contact: string | null }>(
      app.database.db,
      sql`select ghl_id as "ghlId", id, last_message_body as "lastBody", contact_ghl_id as "contact" from conversations where ghl_id like 'cv_batch_%' order by ghl_id`,
    );
    expect(conversations).toHaveLength(12);
    expect(conversations.find((row) => row.ghlId === 'cv_batch_0')).toMatchObject({ lastBody: 'newest', contact: 'ct_msg_0' });
    expect(conversations.find((row) => row.ghlId === 'cv_batch_5')).toMatchObject({ lastBody: 'Hello 5', contact: 'ct_msg_5' });
    const messages = await queryRows<{ ghlId: string; conversationId: string; direction: string }>(
      app.database.db,
      sql`select ghl_id as "ghlId", conversation_id as "conversationId", direction from messages where ghl_id like 'm_batch_%' order by ghl_id`,
    );
    expect(messages).toHaveLength(14);
    const idOf = new Map(conversations.map((row) => [row.ghlId, row.id]));
    expect(messages.find((row) => row.ghlId === 'm_batch_7')).toMatchObject({ conversationId: idOf.get('cv_batch_7'), direction: 'outbound' });
    expect(messages.filter((row) => row.ghlId.startsWith('m_batch_0')).every((row) => row.conversationId === idOf.get('cv_batch_0'))).toBe(true);
  });

  it('runs LocationCreate/LocationUpdate set-based: known locations renamed together, stale versions skipped, a new location created alone', async () => {
    const at = (minute: number) => `2026-05-03T10:${String(minute).padStart(2, '0')}:00.000Z`;
    for (let index = 0; index < 6; index += 1) {
      await app.database.system((tx) => ensureGhlLocation(tx, generateId, { ghlLocationId: `loc_lb_${index}`, ghlCompanyId: 'agency_lb', name: `Old ${index}` }));
    }
    const location = (type: string, fields: Record<string, unknown>) => ghlEvent(type, { locationId: undefined, companyId: 'agency_lb', ...fields });
    const ids: string[] = [];
    for (let index = 0; index < 6; index += 1) ids.push(await send(location('LocationUpdate', { id: `loc_lb_${index}`, name: `New ${index}`, ...(index === 2 ? { timezone: 'Europe/Berlin' } : {}), dateUpdated: at(10) })));
    // An older version of location 1 (after its newer one), a location created by the event, and one without an id.
    const stale = await send(location('LocationUpdate', { id: 'loc_lb_1', name: 'Older name', dateUpdated: at(1) }));
    const created = await send(location('LocationCreate', { id: 'loc_lb_new', name: 'Brand new', dateUpdated: at(10) }));
    const malformed = await send(location('LocationUpdate', { name: 'No id' }));
    workers = app.webhooks.startWorkers();
    await settle();
    const statuses = await statusesOf([...ids, stale, created, malformed]);
    expect(ids.every((id) => statuses.get(id)?.status === 'done')).toBe(true);
    expect(statuses.get(stale)).toMatchObject({ status: 'skipped', attempts: 1 });
    expect(statuses.get(created)).toMatchObject({ status: 'done', attempts: 1 });
    expect(statuses.get(malformed)).toMatchObject({ status: 'skipped' });
    expect(locationBatches.some((batch) => batch.length > 1 && batch.includes('loc_lb_new'))).toBe(true);
    const rows = await queryRows<{ ghlId: string; name: string; timezone: string | null; mirrored: string | null }>(
      app.database.db,
      sql`select l.ghl_location_id as "ghlId", l.name, l.timezone, g.name as "mirrored" from locations l left join ghl_locations g on g.location_id = l.id
        where l.ghl_location_id like 'loc_lb_%' order by l.ghl_location_id`,
    );
    expect(rows).toHaveLength(7);
    for (let index = 0; index < 6; index += 1) expect(rows.find((row) => row.ghlId === `loc_lb_${index}`)).toMatchObject({ name: `New ${index}`, mirrored: `New ${index}` });
    expect(rows.find((row) => row.ghlId === 'loc_lb_2')?.timezone).toBe('Europe/Berlin');
    expect(rows.find((row) => row.ghlId === 'loc_lb_new')).toMatchObject({ name: 'Brand new', mirrored: 'Brand new' });
  });
});
