import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/platform/db/index.js';
import { generateId } from '../src/platform/ids/ids.js';
import { ensureGhlLocation } from '../src/modules/tenants/index.js';
import { createTestApp, expectCleanEnd, type TestApp } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { createTestWebhookKeys, ghlEvent, signedRequest, type TestWebhookKeys } from './webhooks-kit.js';

let app: TestApp;
let keys: TestWebhookKeys;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({ env: { ...keys.env, WEBHOOK_WORKER_IDLE_MS: '50' } });
  await app.database.system((tx) => ensureGhlLocation(tx, generateId, { ghlLocationId: 'ghl_loc_crm', ghlCompanyId: 'ghl_co_crm' }));
  const workers = app.webhooks.startWorkers();
  stopWorkers = () => workers.stop();
});
afterAll(async () => {
  await stopWorkers();
  await app.close();
});

async function deliver(payload: Record<string, unknown>): Promise<string> {
  const request = signedRequest(keys, payload);
  const response = await app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', headers: request.headers, payload: request.body });
  expect(response.statusCode).toBe(200);
  return payload['webhookId'] as string;
}

/** Waits until every named delivery is finished, then requires each to have ended as expected (a dead or retrying event fails). */
async function finishedAs(expected: Record<string, 'done' | 'skipped'>): Promise<void> {
  const ids = Object.keys(expected);
  const statuses = await waitFor(async () => {
    const rows = await queryRows<{ deliveryId: string; status: string }>(app.database.db, sql`select delivery_id as "deliveryId", status from webhook_events where delivery_id = any(${sql.param(ids)}::text[])`);
    return rows.length === ids.length && rows.every((row) => row.status === 'done' || row.status === 'skipped' || row.status === 'dead') ? rows : undefined;
  }, 20_000, `deliveries ${ids.join(', ')} to finish`);
  expect(Object.fromEntries(statuses.map((row) => [row.deliveryId, row.status]))).toEqual(expected);
}

describe('webhooks through the real CRM processors', () => {
  it('applies a delete that carries an older time than the update already applied', async () => {
    const create = await deliver(ghlEvent('ContactCreate', { locationId: 'ghl_loc_crm', id: 'ct_1', firstName: 'Ann', dateAdded: '2026-01-01T00:00:00Z', dateUpdated: '2026-01-01T00:00:00Z' }));
    const update = await deliver(ghlEvent('ContactUpdate', { locationId: 'ghl_loc_crm', id: 'ct_1', firstName: 'Anna', dateUpdated: '2026-01-03T00:00:00Z' }));
    await finishedAs({ [create]: 'done', [update]: 'done' });
    const remove = await deliver(ghlEvent('ContactDelete', { locationId: 'ghl_loc_crm', id: 'ct_1', dateUpdated: '2026-01-02T00:00:00Z' }));
    await finishedAs({ [remove]: 'done' });
    const [contact] = await queryRows<{ firstName: string; isDeleted: boolean }>(app.database.db, sql`select first_name as "firstName", deleted_at is not null as "isDeleted" from contacts where ghl_id = 'ct_1'`);
    expect(contact).toEqual({ firstName: 'Anna', isDeleted: true });
    const statuses = await queryRows<{ type: string; status: string }>(app.database.db, sql`select event_type as type, status from webhook_events order by received_at`);
    expect(statuses.map((row) => `${row.type}:${row.status}`)).toEqual(['ContactCreate:done', 'ContactUpdate:done', 'ContactDelete:done']);
  });

  it('a reordered stale update does not overwrite newer state', async () => {
    const newer = await deliver(ghlEvent('ContactUpdate', { locationId: 'ghl_loc_crm', id: 'ct_2', firstName: 'New', dateUpdated: '2026-02-02T00:00:00Z' }));
    await finishedAs({ [newer]: 'done' });
    const older = await deliver(ghlEvent('ContactUpdate', { locationId: 'ghl_loc_crm', id: 'ct_2', firstName: 'Old', dateUpdated: '2026-02-01T00:00:00Z' }));
    // The stale rule skips it before any processor runs.
    await finishedAs({ [older]: 'skipped' });
    const [row] = await queryRows<{ lastError: string }>(app.database.db, sql`select last_error as "lastError" from webhook_events where delivery_id = ${older}`);
    expect(row?.lastError).toMatch(/stale/);
    const [contact] = await queryRows<{ firstName: string }>(app.database.db, sql`select first_name as "firstName" from contacts where ghl_id = 'ct_2'`);
    expect(contact?.firstName).toBe('New');
  });

  it('ends with no dead event, no dead job and no error-level log line', async () => {
    await expectCleanEnd(app);
  });
});
