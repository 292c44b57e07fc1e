import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import type { WebhookWorkers } from '../src/modules/webhooks/index.js';
import { createAgency, createLocationUser } from './support/factories.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { createTestWebhookKeys, ghlEvent, type TestWebhookKeys, ingestSigned } from './webhooks-kit.js';
import { CRM_WEBHOOK_ROUTES } from '../src/modules/crm/index.js';

let app: TestApp;
let keys: TestWebhookKeys;
let workers: WebhookWorkers;
let agencyA: Awaited<ReturnType<typeof createAgency>>;
let agencyB: Awaited<ReturnType<typeof createAgency>>;
let platformToken: string;
let memberToken: string;
let isBroken = true;

async function send(payload: Record<string, unknown>): Promise<string> {
  return (await ingestSigned(app.app, keys, payload)).id as string;
}

async function statusOf(id: string): Promise<string | undefined> {
  const [row] = await queryRows<{ status: string }>(app.database.db, sql`select status from webhook_events where id = ${id}::bigint`);
  return row?.status;
}

let deadA: string;
let deadA2: string;
let doneA: string;
let deadB: string;

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({ env: { ...keys.env, WEBHOOK_WORKER_IDLE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_ROLLUP_FLUSH_MS: '50' } });
  app.processors.register('OpportunityUpdate', CRM_WEBHOOK_ROUTES.opportunity, async () => {
    if (isBroken) throw new Error('downstream is broken');
    return { status: 'done' };
  });
  app.processors.register('ContactCreate', CRM_WEBHOOK_ROUTES.contact, async () => ({ status: 'done' }));
  agencyA = await createAgency(app, 1);
  agencyB = await createAgency(app, 1);
  await app.database.db.execute(sql`update locations set ghl_location_id = 'ghl_loc_a' where id = ${agencyA.locationIds[0] ?? ''}`);
  await app.database.db.execute(sql`update locations set ghl_location_id = 'ghl_loc_b' where id = ${agencyB.locationIds[0] ?? ''}`);
  const platform = await createAgency(app, 0);
  await app.database.db.execute(sql`update users set role = 'platform_admin' where id = ${platform.userId}`);
  platformToken = platform.token;
  memberToken = (await createLocationUser(app, agencyA.token, agencyA.locationIds[0] ?? '', 'location_admin')).token;

  workers = app.webhooks.startWorkers();
  deadA = await send(ghlEvent('OpportunityUpdate', { id: 'o_1', locationId: 'ghl_loc_a' }));
  deadA2 = await send(ghlEvent('OpportunityUpdate', { id: 'o_2', locationId: 'ghl_loc_a' }));
  doneA = await send(ghlEvent('ContactCreate', { id: 'c_1', locationId: 'ghl_loc_a' }));
  deadB = await send(ghlEvent('OpportunityUpdate', { id: 'o_3', locationId: 'ghl_loc_b' }));
  await waitFor(async () => ((await statusOf(deadB)) === 'dead' && (await statusOf(deadA2)) === 'dead' && (await statusOf(doneA)) === 'done' ? true : undefined), 15_000, 'events to settle');
});
afterAll(async () => {
  await workers.stop();
  await app.close();
});

const get = (url: string, token?: string) => app.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });
const post = (url: string, token: string | undefined, payload: unknown = {}) => app.app.inject({ method: 'POST', url, headers: token ? bearer(token) : {}, payload: payload as Record<string, unknown> });

describe('webhook operations API', () => {
  it('reports per-queue status to admins (the backlog from the inbox, what finished from the rollups)', async () => {
    type Status = { queues: { queue: string; dead: number; completedLastHour: number; receiptToDoneMs: { p50: number | null }; slaCompliancePercent: number | null; throughputPerSecond: { last1m: number } }[] };
    // Finished events reach the rollups at the recorder's next flush (every 50 ms here).
    const body = await waitFor(
      async () => {
        const response = await get('/api/webhooks/status', platformToken);
        expect(response.statusCode).toBe(200);
        const status = response.json<Status>();
        return status.queues.find((queue) => queue.queue === 'contacts')?.completedLastHour === 1 ? status : undefined;
      },
      10_000,
      'the finished contact in the status',
    );
    expect(body.queues.map((queue) => queue.queue)).toEqual(['critical', 'messages', 'contacts', 'appointments', 'projects', 'financial', 'general']);
    const projects = body.queues.find((queue) => queue.queue === 'projects');
    expect(projects?.dead).toBe(3);
    const contacts = body.queues.find((queue) => queue.queue === 'contacts');
    expect(contacts?.completedLastHour).toBe(1);
    expect(contacts?.receiptToDoneMs.p50).toEqual(expect.any(Number));
    expect(contacts?.slaCompliancePercent).toBe(100);
    expect(contacts?.throughputPerSecond.last1m).toBeGreaterThan(0);
    const scoped = (await get('/api/webhooks/status', agencyB.token)).json<{ queues: { queue: string; dead: number }[] }>();
    expect(scoped.queues.find((queue) => queue.queue === 'projects')?.dead).toBe(1);
  });

  it('refuses callers without credentials (401) and non-admins (403)', async () => {
    expect((await get('/api/webhooks/status')).statusCode).toBe(401);
    expect((await get('/api/webhooks/events')).statusCode).toBe(401);
    expect((await get('/api/webhooks/status', memberToken)).statusCode).toBe(403);
    expect((await get(`/api/webhooks/events/${deadA}`, memberToken)).statusCode).toBe(403);
    expect((await post('/api/webhooks/replay', memberToken, {})).statusCode).toBe(403);
  });

  it('lists events with filters and pagination, scoped to the agency', async () => {
    const all = (await get('/api/webhooks/events?limit=2', agencyA.token)).json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(all.items.map((item) => item.id)).toEqual([doneA, deadA2]);
    const next = (await get(`/api/webhooks/events?limit=2&cursor=${all.nextCursor ?? ''}`, agencyA.token)).json<{ items: { id: string }[]; nextCursor: string | null }>();
    expect(next.items.map((item) => item.id)).toEqual([deadA]);
    expect(next.nextCursor).toBeNull();
    const dead = (await get('/api/webhooks/events?status=dead&eventType=OpportunityUpdate', platformToken)).json<{ items: { id: string }[] }>();
    expect(dead.items.map((item) => item.id).sort()).toEqual([deadA, deadA2, deadB].sort());
    const byLocation = (await get('/api/webhooks/events?ghlLocationId=ghl_loc_b', platformToken)).json<{ items: { id: string }[] }>();
    expect(byLocation.items.map((item) => item.id)).toEqual([deadB]);
    const future = (await get(`/api/webhooks/events?receivedFrom=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`, platformToken)).json<{ items: unknown[] }>();
    expect(future.items).toEqual([]);
    expect((await get('/api/webhooks/events?status=bogus', platformToken)).statusCode).toBe(400);
  });

  it("shows one event with payload, attempts and errors, and answers 404 for another tenant's event", async () => {
    const response = await get(`/api/webhooks/events/${deadA}`, agencyA.token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: deadA, status: 'dead', attempts: 1, payload: { id: 'o_1' }, errors: [{ attempt: 1, error: expect.stringContaining('downstream is broken') }] });
    expect((await get(`/api/webhooks/events/${deadB}`, agencyA.token)).statusCode).toBe(404);
    expect((await get('/api/webhooks/events/999999999', platformToken)).statusCode).toBe(404);
    expect((await get('/api/webhooks/events/not-a-number', platformToken)).statusCode).toBe(400);
  });

  it('counts with a dry run, then replays by filter, one by id, and all dead of a location', async () => {
    const dry = await post('/api/webhooks/replay', agencyA.token, { dryRun: true });
    expect(dry.json()).toEqual({ matched: 2, replayed: 0, dryRun: true });
    expect((await post(`/api/webhooks/events/${deadB}/replay`, agencyA.token)).statusCode).toBe(404);
    const locationDry = await post('/api/webhooks/locations/ghl_loc_b/replay-dead', platformToken, { dryRun: true });
    expect(locationDry.json()).toEqual({ matched: 1, replayed: 0, dryRun: true });

    isBroken = false;
    const one = await post(`/api/webhooks/events/${deadA}/replay`, agencyA.token);
    expect(one.json()).toMatchObject({ replayed: 1 });
    await waitFor(async () => ((await statusOf(deadA)) === 'done' ? true : undefined), 10_000, 'replayed event');
    expect((await post(`/api/webhooks/replay`, agencyA.token, { status: 'dead', eventType: 'OpportunityUpdate' })).json()).toEqual({ matched: 1, replayed: 1, dryRun: false });
    expect((await post('/api/webhooks/locations/ghl_loc_b/replay-dead', platformToken, {})).json()).toEqual({ matched: 1, replayed: 1, dryRun: false });
    await waitFor(async () => ((await statusOf(deadA2)) === 'done' && (await statusOf(deadB)) === 'done' ? true : undefined), 10_000, 'replayed by filter');
    expect((await post('/api/webhooks/replay', platformToken, { status: 'pending' })).statusCode).toBe(400);
  });

  it("deletes a finished event, but not another tenant's", async () => {
    expect((await app.app.inject({ method: 'DELETE', url: `/api/webhooks/events/${deadB}`, headers: bearer(agencyA.token) })).statusCode).toBe(404);
    const deleted = await app.app.inject({ method: 'DELETE', url: `/api/webhooks/events/${doneA}`, headers: bearer(agencyA.token) });
    expect(deleted.statusCode).toBe(204);
    expect(await statusOf(doneA)).toBeUndefined();
  });
});
