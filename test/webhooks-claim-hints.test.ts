import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookProcessor, WebhookWorkers } from '../src/modules/webhooks/index.js';
import { queryRows } from '../src/platform/db/index.js';
import { CRM_WEBHOOK_ROUTES } from '../src/modules/crm/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestWebhookKeys, ghlEvent, waitForInboxDrained, type TestWebhookKeys, ingestSigned } from './webhooks-kit.js';

/*
 * A worker whose claim left nothing it knows to be ready waits for the next hint instead of claiming
 * again to find the queue empty. These tests pin the cases where work is ready without a new hint:
 * the idle timer is a minute, so a worker that waited for a hint here would time the test out.
 */

let app: TestApp;
let keys: TestWebhookKeys;
let workers: WebhookWorkers | undefined;

const recordContact: WebhookProcessor = async (tx, event) => {
  await tx.execute(sql`insert into hint_test_log (entity_id, name) values (${String(event.payload.id)}, ${String(event.payload.name ?? '')})`);
  return { status: 'done' };
};

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({
    withDefaultProcessors: false,
    env: { ...keys.env, WEBHOOK_WORKER_IDLE_MS: '60000', WEBHOOK_WORKER_BATCH_SIZE: '20', WEBHOOK_WORKER_PER_LOCATION: '2' },
  });
  await app.database.db.execute(sql`create table hint_test_log (seq serial primary key, entity_id text not null, name text not null)`);
  for (const type of ['ContactCreate', 'ContactUpdate']) app.processors.register(type, CRM_WEBHOOK_ROUTES.contact, recordContact);
});
afterAll(async () => app.close());
afterEach(async () => {
  await workers?.stop();
  workers = undefined;
});

async function send(payload: Record<string, unknown>) {
  await ingestSigned(app.app, keys, payload);
}

async function waitUntilSettled() {
  await waitForInboxDrained(app.database, 10_000, 'the inbox to drain without a new hint');
}

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds)).toISOString();

describe('webhook workers claim again at once when work is left ready', () => {
  it('takes the next event of an entity as soon as the one before it is done (a waiting successor)', async () => {
    // One location, one entity: each claim can hold only the oldest unfinished event of the entity.
    for (let index = 0; index < 5; index += 1) await send(ghlEvent('ContactUpdate', { locationId: 'loc_chain', id: 'c_chain', name: `v${index}`, dateUpdated: at(index) }));
    workers = app.webhooks.startWorkers();
    await waitUntilSettled();
    const log = await queryRows<{ name: string }>(app.database.db, sql`select name from hint_test_log where entity_id = 'c_chain' order by seq`);
    expect(log.map((row) => row.name)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
  });

  it('claims a location again when a claim took its per-location cap', async () => {
    // Seven entities in one location, at most two per claim (WEBHOOK_WORKER_PER_LOCATION): four claims.
    for (let index = 0; index < 7; index += 1) await send(ghlEvent('ContactCreate', { locationId: 'loc_capped', id: `c_capped_${index}`, name: 'capped' }));
    workers = app.webhooks.startWorkers();
    await waitUntilSettled();
    const [row] = await queryRows<{ count: number }>(app.database.db, sql`select count(*)::int as "count" from hint_test_log where name = 'capped'`);
    expect(row?.count).toBe(7);
  });

  it('still takes a new event at once after a claim that left nothing ready (the hint wakes the worker)', async () => {
    workers = app.webhooks.startWorkers();
    await send(ghlEvent('ContactCreate', { locationId: 'loc_hint', id: 'c_hint_first', name: 'hinted' }));
    await waitUntilSettled();
    await send(ghlEvent('ContactCreate', { locationId: 'loc_hint', id: 'c_hint_second', name: 'hinted' }));
    await waitUntilSettled();
    const [row] = await queryRows<{ count: number }>(app.database.db, sql`select count(*)::int as "count" from hint_test_log where name = 'hinted'`);
    expect(row?.count).toBe(2);
  });
});
