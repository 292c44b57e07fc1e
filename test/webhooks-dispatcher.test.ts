import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookProcessor, WebhookWorkers } from '../src/modules/webhooks/index.js';
import { queryRows, type Tx } from '../src/platform/db/index.js';
import { claimInboxRows, insertInboxRows, type ClaimedRow, type NewInboxRow } from '../src/modules/webhooks/webhook-inbox.repo.js';
import { routeWebhookEvent } from '../src/modules/webhooks/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { createTestWebhookKeys, ghlEvent, waitForInboxDrained, type TestWebhookKeys, ingestSigned } from './webhooks-kit.js';
import { CRM_WEBHOOK_ROUTES } from '../src/modules/crm/index.js';

let app: TestApp;
let keys: TestWebhookKeys;
let workers: WebhookWorkers | undefined;
let failuresLeft = new Map<string, number>();

/** Test state table: one row per entity, plus an append-only log of applications in order. */
const applyContact: WebhookProcessor = async (tx: Tx, event) => {
  const id = String(event.payload.id);
  const remaining = failuresLeft.get(id) ?? 0;
  if (remaining > 0) {
    failuresLeft.set(id, remaining - 1);
    throw new Error(`simulated failure for ${id}`);
  }
  if (event.payload.fail === 'always') throw new Error('processor always fails');
  await tx.execute(sql`insert into wh_test_log (event_id, entity_id, name, location_id) values (${event.id}, ${id}, ${String(event.payload.name ?? '')}, ${event.ghlLocationId})`);
  await tx.execute(sql`insert into wh_test_contacts (id, name, applied) values (${id}, ${String(event.payload.name ?? '')}, 1)
    on conflict (id) do update set name = excluded.name, applied = wh_test_contacts.applied + 1`);
  return { status: 'done' };
};

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({
    withDefaultProcessors: false,
    env: { ...keys.env, WEBHOOK_WORKER_IDLE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '3', WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_RETRY_MAX_SECONDS: '1', WEBHOOK_LEASE_SECONDS: '2', WEBHOOK_WORKER_BATCH_SIZE: '10', WEBHOOK_WORKER_PER_LOCATION: '2' },
  });
  await app.database.db.execute(sql`create table wh_test_contacts (id text primary key, name text not null, applied int not null)`);
  await app.database.db.execute(sql`create table wh_test_log (seq serial primary key, event_id text not null, entity_id text not null, name text not null, location_id text)`);
  for (const type of ['ContactCreate', 'ContactUpdate']) app.processors.register(type, CRM_WEBHOOK_ROUTES.contact, applyContact);
});
afterAll(async () => app.close());
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
  failuresLeft = new Map();
});

async function send(payload: Record<string, unknown>) {
  return ingestSigned(app.app, keys, payload);
}

async function statusOf(webhookId: string) {
  const [row] = await queryRows<{ status: string; attempts: number; last_error: string | null; errors: unknown[] }>(
    app.database.db,
    sql`select status, attempts, last_error, errors from webhook_events where delivery_id = ${webhookId}`,
  );
  return row;
}

async function waitUntilSettled(timeoutMs = 20_000) {
  await waitForInboxDrained(app.database, timeoutMs);
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString();

describe('webhook dispatcher', () => {
  it('processes events of one entity one at a time in arrival order, exactly once, and skips unknown types', async () => {
    const sent = [];
    for (let index = 0; index < 6; index += 1) sent.push(await send(ghlEvent('ContactUpdate', { id: 'c_order', name: `v${index}`, dateUpdated: at(index) })));
    const duplicate = ghlEvent('ContactUpdate', { id: 'c_dup', name: 'once' });
    await send(duplicate);
    expect((await send(duplicate)).duplicate).toBe(true);
    const unknown = ghlEvent('SomethingNew', { id: 'x' });
    await send(unknown);
    workers = app.webhooks.startWorkers();
    await waitUntilSettled();
    const log = await queryRows<{ name: string }>(app.database.db, sql`select name from wh_test_log where entity_id = 'c_order' order by seq`);
    expect(log.map((row) => row.name)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4', 'v5']);
    const [contact] = await queryRows<{ name: string; applied: number }>(app.database.db, sql`select name, applied from wh_test_contacts where id = 'c_dup'`);
    expect(contact).toEqual({ name: 'once', applied: 1 });
    expect(await statusOf(unknown.webhookId as string)).toMatchObject({ status: 'skipped', last_error: expect.stringContaining('unknown type') });
  });

  it('never lets a stale (reordered) event overwrite newer state', async () => {
    workers = app.webhooks.startWorkers();
    const newer = ghlEvent('ContactUpdate', { id: 'c_stale', name: 'newer', dateUpdated: at(20) });
    await send(newer);
    await waitFor(async () => ((await statusOf(newer.webhookId as string))?.status === 'done' ? true : undefined), 10_000, 'newer event');
    const older = ghlEvent('ContactUpdate', { id: 'c_stale', name: 'older', dateUpdated: at(10) });
    await send(older);
    await waitFor(async () => ((await statusOf(older.webhookId as string))?.status === 'skipped' ? true : undefined), 10_000, 'stale event skipped');
    expect((await statusOf(older.webhookId as string))?.last_error).toContain('stale');
    const [contact] = await queryRows<{ name: string }>(app.database.db, sql`select name from wh_test_contacts where id = 'c_stale'`);
    expect(contact?.name).toBe('newer');
  });

  it('retries with backoff, then marks the event dead with its last error and the error of every attempt', async () => {
    failuresLeft.set('c_flaky', 1);
    const flaky = ghlEvent('ContactCreate', { id: 'c_flaky', name: 'eventually' });
    const doomed = ghlEvent('ContactCreate', { id: 'c_doomed', name: 'never', fail: 'always' });
    await send(flaky);
    await send(doomed);
    workers = app.webhooks.startWorkers();
    await waitUntilSettled();
    expect(await statusOf(flaky.webhookId as string)).toMatchObject({ status: 'done', attempts: 2 });
    const dead = await statusOf(doomed.webhookId as string);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, last_error: expect.stringContaining('processor always fails') });
    expect(dead?.errors).toHaveLength(3);
  });

  it("retries a crashed worker's rows after the lease expires", async () => {
    const event = ghlEvent('ContactCreate', { id: 'c_crash', name: 'survivor' });
    await send(event);
    // A worker that claims and then dies without finishing.
    const claimed = await claimInboxRows(app.database, { queue: 'contacts', workerId: 'crashed-worker', batchSize: 10, perLocation: 10, leaseSeconds: 1, afterFairnessKey: '' });
    expect(claimed.map((row) => row.deliveryId)).toContain(event.webhookId);
    workers = app.webhooks.startWorkers();
    await waitFor(async () => ((await statusOf(event.webhookId as string))?.status === 'done' ? true : undefined), 15_000, 'lease expiry and retry');
    expect(await statusOf(event.webhookId as string)).toMatchObject({ attempts: 2 });
    const [contact] = await queryRows<{ applied: number }>(app.database.db, sql`select applied from wh_test_contacts where id = 'c_crash'`);
    expect(contact?.applied).toBe(1);
  });

  it("does not let one location's burst starve the others in the same queue", async () => {
    for (let index = 0; index < 60; index += 1) await send(ghlEvent('ContactCreate', { id: `burst_${index}`, locationId: 'loc_burst', name: 'b' }));
    for (let index = 0; index < 4; index += 1) await send(ghlEvent('ContactCreate', { id: `quiet_${index}`, locationId: 'loc_quiet', name: 'q' }));
    const [start] = await queryRows<{ seq: number }>(app.database.db, sql`select coalesce(max(seq), 0)::int as "seq" from wh_test_log`);
    workers = app.webhooks.startWorkers();
    await waitUntilSettled();
    const log = await queryRows<{ location_id: string }>(app.database.db, sql`select location_id from wh_test_log where seq > ${start?.seq ?? 0} order by seq`);
    expect(log).toHaveLength(64);
    const lastQuiet = log.map((row) => row.location_id).lastIndexOf('loc_quiet');
    // With at most 2 rows per location per claim, the quiet location is done within the first few rounds.
    expect(lastQuiet).toBeLessThan(12);
  });

  it("finishes a quiet location's events that arrive during a hot location's backlog while most of that backlog still waits", async () => {
    for (let index = 0; index < 300; index += 1) await send(ghlEvent('ContactCreate', { id: `hot_${index}`, locationId: 'loc_hot', name: 'h' }));
    workers = app.webhooks.startWorkers();
    const hotDone = async () => (await queryRows<{ count: number }>(app.database.db, sql`select count(*)::int as "count" from wh_test_log where location_id = 'loc_hot'`))[0]?.count ?? 0;
    await waitFor(async () => ((await hotDone()) >= 10 ? true : undefined), 20_000, 'the hot backlog to be under way');
    const quiet = [];
    for (let index = 0; index < 4; index += 1) quiet.push(await send(ghlEvent('ContactCreate', { id: `calm_${index}`, locationId: 'loc_calm', name: 'q' })));
    await waitFor(
      async () => {
        const [row] = await queryRows<{ count: number }>(app.database.db, sql`select count(*)::int as "count" from wh_test_log where location_id = 'loc_calm'`);
        return row?.count === 4 ? true : undefined;
      },
      20_000,
      'the quiet location to be done',
    );
    // The quiet events go into the next claims beside 2 hot rows each, not behind the hot backlog.
    expect(await hotDone()).toBeLessThan(200);
    await waitUntilSettled();
    expect(await hotDone()).toBe(300);
  });
});

describe('the fair claim', () => {
  const seeded: string[] = [];
  afterEach(async () => {
    // These rows were claimed by hand (or never): take them out of the inbox the workers share.
    await app.database.db.execute(sql`delete from webhook_events where delivery_id = any(${sql.param(seeded.splice(0))}::text[])`);
  });

  async function seed(locationId: string, count: number, entity: (index: number) => string = (index) => `${locationId}_${index}`) {
    const rows: NewInboxRow[] = Array.from({ length: count }, (_, index) => {
      const payload = { type: 'ContactCreate', locationId, id: entity(index) };
      const deliveryId = `fair_${locationId}_${seeded.length + index}_${Math.random().toString(36).slice(2)}`;
      return { provider: 'ghl', deliveryId, eventType: 'ContactCreate', ...routeWebhookEvent('ghl', 'ContactCreate', payload, CRM_WEBHOOK_ROUTES.contact), payloadJson: JSON.stringify(payload), bodySha256: 'x' };
    });
    await insertInboxRows(app.database, rows);
    seeded.push(...rows.map((row) => row.deliveryId));
  }
  const claim = (batchSize: number, perLocation: number) =>
    claimInboxRows(app.database, { queue: 'contacts', workerId: 'fair-test', batchSize, perLocation, leaseSeconds: 60, afterFairnessKey: '' });
  const countBy = (rows: readonly ClaimedRow[]) => rows.reduce((counts, row) => counts.set(row.fairnessKey, (counts.get(row.fairnessKey) ?? 0) + 1), new Map<string, number>());
  async function finish(rows: readonly ClaimedRow[]) {
    await app.database.db.execute(sql`update webhook_events set status = 'done', finished_at = now(), lease_until = null where id = any(${sql.param(rows.map((row) => row.id))}::bigint[])`);
  }

  it("fills a claim round-robin: when the ready rows outnumber the batch, every location's first row goes in before any location's second", async () => {
    // The hot location's rows are all older than the quiet ones': filled oldest-first, the batch would be
    // the hot location's 5 and one quiet row, and four quiet locations would wait for a later round.
    await seed('fair_hot', 30);
    for (const location of ['fair_q1', 'fair_q2', 'fair_q3', 'fair_q4', 'fair_q5']) await seed(location, 2);
    const claimed = await claim(6, 5);
    expect(Object.fromEntries(countBy(claimed))).toEqual({ fair_hot: 1, fair_q1: 1, fair_q2: 1, fair_q3: 1, fair_q4: 1, fair_q5: 1 });
    await finish(claimed);
  });

  it("serves every quiet location in each claim while a hot location's backlog waits, one row per entity", async () => {
    // 500 hot rows, but only 300 entities: the second event of an entity waits for its first.
    await seed('fair_hot', 500, (index) => `hot_entity_${index % 300}`);
    const hotIds = new Set<string>();
    for (let round = 0; round < 5; round += 1) {
      for (const location of ['fair_q1', 'fair_q2', 'fair_q3']) await seed(location, 2, (index) => `${location}_${round}_${index}`);
      const claimed = await claim(200, 40);
      const counts = countBy(claimed);
      expect({ q1: counts.get('fair_q1'), q2: counts.get('fair_q2'), q3: counts.get('fair_q3') }).toEqual({ q1: 2, q2: 2, q3: 2 });
      expect(counts.get('fair_hot')).toBe(40);
      const hotEntities = claimed.filter((row) => row.fairnessKey === 'fair_hot').map((row) => row.orderingKey);
      expect(new Set(hotEntities).size).toBe(hotEntities.length);
      claimed.filter((row) => row.fairnessKey === 'fair_hot').forEach((row) => hotIds.add(row.id));
      await finish(claimed);
    }
    expect(hotIds.size).toBe(200);
    // Alone in the queue, the hot location gets full claims of its own.
    expect(countBy(await claim(200, 40)).get('fair_hot')).toBe(40);
  });
});
