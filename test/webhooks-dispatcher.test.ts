import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookProcessor, WebhookWorkers } from '../src/modules/webhooks/index.js';
import { queryRows, type Tx } from '../src/platform/db/index.js';
import { claimInboxRows } from '../src/modules/webhooks/webhook-inbox.repo.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { createTestWebhookKeys, ghlEvent, signedRequest, type TestWebhookKeys } from './webhooks-kit.js';
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
  const request = signedRequest(keys, payload);
  const response = await app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', payload: request.body, headers: request.headers });
  if (response.statusCode !== 200) throw new Error(`ingest failed: ${response.body}`);
  return response.json<{ id?: string; duplicate: boolean }>();
}

async function statusOf(webhookId: string) {
  const [row] = await queryRows<{ status: string; attempts: number; last_error: string | null; errors: unknown[] }>(
    app.database.db,
    sql`select status, attempts, last_error, errors from webhook_events where delivery_id = ${webhookId}`,
  );
  return row;
}

async function waitUntilSettled(timeoutMs = 20_000) {
  await waitFor(
    async () => {
      const [row] = await queryRows<{ count: number }>(app.database.db, sql`select count(*)::int as "count" from webhook_events where status in ('pending', 'running', 'retry')`);
      return row?.count === 0 ? true : undefined;
    },
    timeoutMs,
    'the inbox to drain',
  );
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
    const claimed = await claimInboxRows(app.database.db, { queue: 'contacts', workerId: 'crashed-worker', batchSize: 10, perLocation: 10, leaseSeconds: 1, afterFairnessKey: '' });
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
});
