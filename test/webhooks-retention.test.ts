import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneWebhookEvents } from '../src/modules/webhooks/index.js';
import { queryRows } from '../src/platform/db/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestWebhookKeys, ghlEvent, signedRequest } from './webhooks-kit.js';

let app: TestApp;
const keys = createTestWebhookKeys();

beforeAll(async () => {
  app = await createTestApp({ env: keys.env });
});
afterAll(async () => app.close());

async function store(status: string, finishedDaysAgo: number | null): Promise<string> {
  const request = signedRequest(keys, ghlEvent('SomethingElse', { id: `x_${Math.random()}` }));
  const response = await app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', payload: request.body, headers: request.headers });
  const id = response.json<{ id: string }>().id;
  const finishedAt = finishedDaysAgo === null ? null : new Date(Date.now() - finishedDaysAgo * 86_400_000).toISOString();
  await app.database.db.execute(sql`update webhook_events set status = ${status}, finished_at = ${finishedAt}::timestamptz where id = ${id}::bigint`);
  return id;
}

describe('webhook retention', () => {
  it('prunes done and skipped events past the retention period and keeps dead, recent and unfinished ones', async () => {
    const oldDone = await store('done', 10);
    const oldSkipped = await store('skipped', 8);
    const recentDone = await store('done', 1);
    const oldDead = await store('dead', 30);
    const pending = await store('pending', null);
    const result = await pruneWebhookEvents(app.database, { now: () => new Date() }, { retentionDays: 7, timestampToleranceSeconds: 4800, batchSize: 1 });
    expect(result.deletedEvents).toBe(2);
    const left = await queryRows<{ id: string }>(app.database.db, sql`select id::text as "id" from webhook_events`);
    const ids = left.map((row) => row.id);
    expect(ids).not.toContain(oldDone);
    expect(ids).not.toContain(oldSkipped);
    expect(ids).toEqual(expect.arrayContaining([recentDone, oldDead, pending]));
  });
});
