import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import { systemClock } from '../src/platform/clock/clock.js';
import { PRUNE_ROLLUPS_JOB_NAME, pruneWebhookRollups, type WebhookWorkers } from '../src/modules/webhooks/index.js';
import { addRollupDeltas } from '../src/modules/webhooks/webhook-rollups.repo.js';
import { emptyLatencyBuckets } from '../src/modules/webhooks/webhook-rollup-histogram.js';
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

async function send(payload: Record<string, unknown>): Promise<string> {
  return (await ingestSigned(app.app, keys, payload)).id as string;
}

async function statusOf(id: string): Promise<string | undefined> {
  const [row] = await queryRows<{ status: string }>(app.database.db, sql`select status from webhook_events where id = ${id}::bigint`);
  return row?.status;
}

interface Stats {
  received: number;
  done: number;
  skipped: number;
  failed: number;
  dead: number;
  processedPerSecond: number;
  errorRatePercent: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null };
  slaCompliancePercent: number | null;
  slaGrade: string | null;
}
interface Series {
  window: string;
  bucketSeconds: number;
  points: (Stats & { at: string })[];
  total: Stats;
  queues: (Stats & { queue: string })[];
}

const get = (url: string, token?: string) => app.app.inject({ method: 'GET', url, headers: token ? bearer(token) : {} });

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({ env: { ...keys.env, WEBHOOK_WORKER_IDLE_MS: '50', WEBHOOK_MAX_ATTEMPTS: '2', WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_ROLLUP_FLUSH_MS: '100' } });
  app.processors.register('OpportunityUpdate', CRM_WEBHOOK_ROUTES.opportunity, async () => {
    throw new Error('downstream is broken');
  });
  app.processors.register('ContactCreate', CRM_WEBHOOK_ROUTES.contact, async () => ({ status: 'done' }));
  agencyA = await createAgency(app, 1);
  agencyB = await createAgency(app, 1);
  await app.database.db.execute(sql`update locations set ghl_location_id = 'ghl_roll_a' where id = ${agencyA.locationIds[0] ?? ''}`);
  await app.database.db.execute(sql`update locations set ghl_location_id = 'ghl_roll_b' where id = ${agencyB.locationIds[0] ?? ''}`);
  const platform = await createAgency(app, 0);
  await app.database.db.execute(sql`update users set role = 'platform_admin' where id = ${platform.userId}`);
  platformToken = platform.token;
  memberToken = (await createLocationUser(app, agencyA.token, agencyA.locationIds[0] ?? '', 'location_admin')).token;

  workers = app.webhooks.startWorkers();
  const ids = [
    await send(ghlEvent('ContactCreate', { id: 'c_1', locationId: 'ghl_roll_a' })),
    await send(ghlEvent('ContactCreate', { id: 'c_2', locationId: 'ghl_roll_a' })),
    await send(ghlEvent('ContactCreate', { id: 'c_3', locationId: 'ghl_roll_a' })),
    await send(ghlEvent('OpportunityUpdate', { id: 'o_1', locationId: 'ghl_roll_a' })),
    await send(ghlEvent('SomethingNobodyHandles', { id: 'x_1', locationId: 'ghl_roll_b' })),
  ];
  await waitFor(async () => {
    const statuses = await Promise.all(ids.map(statusOf));
    return statuses.every((status) => status === 'done' || status === 'dead' || status === 'skipped') ? true : undefined;
  }, 20_000, 'events to settle');
  // The recorder flushes every 100 ms: wait until the counts are in the table.
  await waitFor(async () => {
    const [row] = await queryRows<{ done: number; dead: number; skipped: number }>(
      app.database.db,
      sql`select coalesce(sum(done), 0)::int as done, coalesce(sum(dead), 0)::int as dead, coalesce(sum(skipped), 0)::int as skipped from webhook_rollups where tenant_key = '*'`,
    );
    return row && row.done === 3 && row.dead === 1 && row.skipped === 1 ? true : undefined;
  }, 10_000, 'rollups flushed');
});

afterAll(async () => {
  await workers.stop();
  await app.close();
});

describe('webhook rollups (per-minute buckets for the dashboard)', () => {
  it('keeps per-tenant rows and one all-tenants row per minute and queue, with outcomes and a latency histogram', async () => {
    const rows = await queryRows<{ queue: string; tenantKey: string; received: number; done: number; failed: number; dead: number; skipped: number; latencyCount: number }>(
      app.database.db,
      sql`select queue, tenant_key as "tenantKey", sum(received)::int as received, sum(done)::int as done, sum(failed)::int as failed, sum(dead)::int as dead,
          sum(skipped)::int as skipped, sum(latency_count)::int as "latencyCount"
        from webhook_rollups group by queue, tenant_key order by queue, tenant_key`,
    );
    expect(rows).toEqual([
      { queue: 'contacts', tenantKey: '*', received: 3, done: 3, failed: 0, dead: 0, skipped: 0, latencyCount: 3 },
      { queue: 'contacts', tenantKey: 'ghl_roll_a', received: 3, done: 3, failed: 0, dead: 0, skipped: 0, latencyCount: 3 },
      { queue: 'general', tenantKey: '*', received: 1, done: 0, failed: 0, dead: 0, skipped: 1, latencyCount: 1 },
      { queue: 'general', tenantKey: 'ghl_roll_b', received: 1, done: 0, failed: 0, dead: 0, skipped: 1, latencyCount: 1 },
      { queue: 'projects', tenantKey: '*', received: 1, done: 0, failed: 1, dead: 1, skipped: 0, latencyCount: 0 },
      { queue: 'projects', tenantKey: 'ghl_roll_a', received: 1, done: 0, failed: 1, dead: 1, skipped: 0, latencyCount: 0 },
    ]);
    const [histogram] = await queryRows<{ buckets: unknown }>(app.database.db, sql`select latency_buckets as buckets from webhook_rollups where queue = 'contacts' and tenant_key = '*' limit 1`);
    expect(histogram?.buckets).toBeDefined();
  });

  it('serves the last hour as 60 one-minute points and the day as 144 ten-minute points, counting what happened', async () => {
    const hour = await get('/api/webhooks/series?window=1h', platformToken);
    expect(hour.statusCode).toBe(200);
    const body = hour.json<Series>();
    expect(body.bucketSeconds).toBe(60);
    expect(body.points).toHaveLength(60);
    const sum = (key: 'received' | 'done' | 'dead' | 'failed' | 'skipped') => body.points.reduce((total, point) => total + point[key], 0);
    expect(sum('received')).toBe(5);
    expect(sum('done')).toBe(3);
    expect(sum('dead')).toBe(1);
    expect(sum('failed')).toBe(1);
    expect(body.total).toMatchObject({ received: 5, done: 3, skipped: 1, failed: 1, dead: 1, slaCompliancePercent: 100, slaGrade: 'A' });
    // 2 failed attempts of 6 finished attempts.
    expect(body.total.errorRatePercent).toBe(33.33);
    expect(body.total.latencyMs.p50).toEqual(expect.any(Number));
    expect(body.queues.find((queue) => queue.queue === 'projects')).toMatchObject({ dead: 1, failed: 1, slaGrade: null });
    const points = body.points.map((point) => Date.parse(point.at));
    expect(points.every((at, index) => index === 0 || at - (points[index - 1] ?? 0) === 60_000)).toBe(true);

    const day = await get('/api/webhooks/series?window=24h&queue=contacts', platformToken);
    expect(day.statusCode).toBe(200);
    const dayBody = day.json<Series>();
    expect(dayBody.bucketSeconds).toBe(600);
    expect(dayBody.points).toHaveLength(144);
    expect(dayBody.total).toMatchObject({ received: 3, done: 3, dead: 0 });
    expect(dayBody.queues.map((queue) => queue.queue)).toEqual(['contacts']);
  });

  it('shows an agency admin only their own locations, refuses members and unauthenticated callers, and checks input', async () => {
    const a = (await get('/api/webhooks/series?window=1h', agencyA.token)).json<Series>();
    expect(a.total).toMatchObject({ received: 4, done: 3, dead: 1, skipped: 0 });
    const b = (await get('/api/webhooks/series?window=1h', agencyB.token)).json<Series>();
    expect(b.total).toMatchObject({ received: 1, done: 0, dead: 0, skipped: 1 });
    const member = await get('/api/webhooks/series', memberToken);
    expect(member.statusCode).toBe(403);
    expect(member.json().error.code).toBe('forbidden');
    const anonymous = await get('/api/webhooks/series');
    expect(anonymous.statusCode).toBe(401);
    const bad = await get('/api/webhooks/series?window=7d', platformToken);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const badQueue = await get('/api/webhooks/series?queue=nope', platformToken);
    expect(badQueue.statusCode).toBe(400);
  });

  it('gives the live overview: backlog now from the inbox, rates and SLA grade from rollups', async () => {
    const response = await get('/api/webhooks/overview', platformToken);
    expect(response.statusCode).toBe(200);
    const body = response.json<{ queues: { queue: string; dead: number; lastHour: Stats; last5Minutes: Stats }[]; total: { dead: number; lastHour: Stats } }>();
    expect(body.queues).toHaveLength(7);
    const projects = body.queues.find((queue) => queue.queue === 'projects');
    expect(projects?.dead).toBe(1);
    expect(projects?.lastHour.errorRatePercent).toBe(100);
    const contacts = body.queues.find((queue) => queue.queue === 'contacts');
    expect(contacts?.last5Minutes.processedPerSecond).toBeGreaterThan(0);
    expect(contacts?.lastHour).toMatchObject({ done: 3, slaCompliancePercent: 100, slaGrade: 'A' });
    expect(body.total.dead).toBe(1);
    const b = (await get('/api/webhooks/overview', agencyB.token)).json<{ total: { dead: number; lastHour: Stats } }>();
    expect(b.total.dead).toBe(0);
    expect(b.total.lastHour.skipped).toBe(1);
    expect((await get('/api/webhooks/overview', memberToken)).statusCode).toBe(403);
    expect((await get('/api/webhooks/overview')).statusCode).toBe(401);
  });

  it('streams the overview as Server-Sent Events', async () => {
    const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
    const controller = new AbortController();
    const response = await fetch(`${address}/api/webhooks/overview`, { headers: { ...bearer(platformToken), accept: 'text/event-stream' }, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body?.getReader();
    let text = '';
    while (reader && !text.includes('\n\n')) {
      const chunk = await reader.read();
      if (chunk.done) break;
      text += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    expect(text).toMatch(/^id: 1\nevent: overview\ndata: \{/);
    const data = JSON.parse(text.split('data: ')[1]?.split('\n')[0] ?? '{}') as { total: { dead: number } };
    expect(data.total.dead).toBe(1);
  });

  it('documents the series and overview endpoints in the OpenAPI document', async () => {
    const doc = (await get('/docs/json')).json<{ paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } }>();
    expect(doc.paths['/api/webhooks/series']).toBeDefined();
    expect(doc.paths['/api/webhooks/overview']).toBeDefined();
    expect(doc.components.schemas.WebhookSeries).toBeDefined();
  });

  it('prunes rollup minutes older than the retention by a scheduled job', async () => {
    expect(app.scheduledJobs.map((job) => job.name)).toContain(PRUNE_ROLLUPS_JOB_NAME);
    const old = new Date(Date.now() - 10 * 86_400_000);
    old.setUTCSeconds(0, 0);
    await addRollupDeltas(app.database.db, [
      { bucketAt: old, queue: 'contacts', tenantKey: '*', received: 7, done: 7, skipped: 0, failed: 0, dead: 0, latencyCount: 0, latencySumMs: 0, withinSla: 0, latencyBuckets: emptyLatencyBuckets() },
    ]);
    // A second delta to the same row adds up (counters and histogram).
    const buckets = emptyLatencyBuckets();
    buckets[3] = 2;
    await addRollupDeltas(app.database.db, [
      { bucketAt: old, queue: 'contacts', tenantKey: '*', received: 1, done: 1, skipped: 0, failed: 0, dead: 0, latencyCount: 2, latencySumMs: 150, withinSla: 2, latencyBuckets: buckets },
    ]);
    const [merged] = await queryRows<{ received: number; latencyCount: number; buckets: unknown }>(
      app.database.db,
      sql`select received, latency_count as "latencyCount", latency_buckets::text as buckets from webhook_rollups where bucket_at = ${old.toISOString()}::timestamptz`,
    );
    expect(merged).toMatchObject({ received: 8, latencyCount: 2, buckets: '{0,0,0,2,0,0,0,0,0,0,0,0,0,0,0}' });
    const result = await pruneWebhookRollups(app.database, systemClock, { retentionDays: 7, batchSize: 1 });
    expect(result.deletedRows).toBe(1);
    const [left] = await queryRows<{ total: number }>(app.database.db, sql`select count(*)::int as total from webhook_rollups where bucket_at < now() - interval '7 days'`);
    expect(left?.total).toBe(0);
    const series = (await get('/api/webhooks/series?window=1h', platformToken)).json<Series>();
    expect(series.total.received).toBe(5);
  });
  it('reads only rollups: the series stays when the events themselves are gone', async () => {
    await app.database.db.execute(sql`delete from webhook_events`);
    const series = (await get('/api/webhooks/series?window=1h', platformToken)).json<Series>();
    expect(series.total).toMatchObject({ received: 5, done: 3, dead: 1 });
  });
});
