import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import { DEFAULT_WEBHOOK_ROUTE, routeWebhookEvent } from '../src/modules/webhooks/index.js';
import { flushInboxBatch } from '../src/modules/webhooks/webhook-inbox-writer.js';
import type { NewInboxRow } from '../src/modules/webhooks/webhook-inbox.repo.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { createTestWebhookKeys, ghlEvent, signedRequest } from './webhooks-kit.js';

const keys = createTestWebhookKeys();

function send(app: TestApp, payload: Record<string, unknown>) {
  const request = signedRequest(keys, payload);
  return app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', payload: request.body, headers: request.headers });
}

async function countStored(app: TestApp, deliveryIds: readonly string[]): Promise<number> {
  const [row] = await queryRows<{ total: number }>(app.database.db, sql`select count(*)::int as total from webhook_events where delivery_id = any(${sql.param([...deliveryIds])}::text[])`);
  return row?.total ?? 0;
}

/**
 * Blocks the inbox for real: a transaction holds an ACCESS EXCLUSIVE lock on webhook_events (the
 * lock every insert needs) until released. On PostgreSQL the insert waits on the lock; on PGlite,
 * one session, it waits behind the transaction itself. Either way the server is there but cannot store.
 */
async function holdInboxLock(app: TestApp): Promise<{ release(): Promise<void> }> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  let isLocked = false;
  const holder = app.database.system(async (tx) => {
    await tx.execute(sql`lock table webhook_events in access exclusive mode`);
    isLocked = true;
    await released;
  });
  await waitFor(async () => (isLocked ? true : undefined), 10_000, 'the inbox lock');
  return {
    async release() {
      release();
      await holder;
    },
  };
}

describe('webhook ingest under overload and database trouble', () => {
  it('answers 429 with Retry-After once the inbox backlog passes its limit', async () => {
    const app = await createTestApp({ env: { ...keys.env, WEBHOOK_BACKLOG_LIMIT: '3', WEBHOOK_RETRY_AFTER_SECONDS: '42' } });
    try {
      // No workers run here, so the backlog only grows; the gauge refreshes in the background.
      const refused = await waitFor(async () => {
        const response = await send(app, ghlEvent('ContactCreate', { id: `c_${Math.random()}` }));
        return response.statusCode === 429 ? response : undefined;
      }, 10_000, 'a 429');
      expect(refused.headers['retry-after']).toBe('42');
      expect(refused.json()).toMatchObject({ error: { code: 'webhook_overloaded' } });
    } finally {
      await app.close();
    }
  });

  it('answers 429, never 5xx, while the database cannot store (the inbox insert is blocked), and stores the retried delivery once', async () => {
    const app = await createTestApp({ env: { ...keys.env, WEBHOOK_INGEST_TIMEOUT_MS: '1500', WEBHOOK_RETRY_AFTER_SECONDS: '7' } });
    try {
      const event = ghlEvent('ContactCreate', { id: 'c_blocked' });
      const lock = await holdInboxLock(app);
      let response;
      try {
        response = await send(app, event);
      } finally {
        await lock.release();
      }
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBe('7');
      expect(response.json()).toMatchObject({ error: { code: 'webhook_store_unavailable' } });
      // GHL retries a 429; now the store answers. (The blocked insert may have committed after all:
      // then the retry is the duplicate of a row nobody acknowledged, and still one row.)
      const retried = await send(app, event);
      expect(retried.statusCode).toBe(200);
      expect(await countStored(app, [event.webhookId as string])).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('answers 429 webhook_overloaded to concurrent requests past the in-memory queue limit, and stores every request it accepted', async () => {
    // One flush at a time, one row per flush, three waiting: while the store is blocked at most four are held.
    const app = await createTestApp({ env: { ...keys.env, WEBHOOK_INGEST_QUEUE_LIMIT: '3', WEBHOOK_INGEST_BATCH_MAX: '1', WEBHOOK_INGEST_FLUSH_CONCURRENCY: '1', WEBHOOK_INGEST_TIMEOUT_MS: '60000' } });
    try {
      const events = Array.from({ length: 20 }, (_, index) => ghlEvent('ContactCreate', { id: `c_queue_${index}` }));
      const lock = await holdInboxLock(app);
      const answers: { index: number; status: number; code: string | undefined; retryAfter: unknown }[] = [];
      let pending: Promise<void>[] = [];
      try {
        pending = events.map(async (event, index) => {
          const response = await send(app, event);
          answers.push({ index, status: response.statusCode, code: response.json<{ error?: { code: string } }>().error?.code, retryAfter: response.headers['retry-after'] });
        });
        // At least 16 of 20 cannot be held, so they are answered while the store is still blocked.
        await waitFor(async () => (answers.length >= 16 ? true : undefined), 30_000, 'the refusals');
        expect(answers.every((answer) => answer.status === 429 && answer.code === 'webhook_overloaded' && answer.retryAfter !== undefined)).toBe(true);
      } finally {
        await lock.release();
      }
      await Promise.all(pending);
      const accepted = answers.filter((answer) => answer.status === 200);
      const overloaded = answers.filter((answer) => answer.status === 429 && answer.code === 'webhook_overloaded');
      expect(accepted.length + overloaded.length).toBe(20);
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(accepted.length).toBeLessThanOrEqual(4);
      expect(await countStored(app, accepted.map((answer) => events[answer.index]?.webhookId as string))).toBe(accepted.length);
      expect(await countStored(app, overloaded.map((answer) => events[answer.index]?.webhookId as string))).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('stores the other rows of a batch that holds one unstorable row, and refuses only that one', async () => {
    const app = await createTestApp({ env: { ...keys.env, WEBHOOK_INGEST_FLUSH_CONCURRENCY: '1' } });
    try {
      // The inbox writer itself: one statement for the batch fails on the bad row, then row by row.
      const row = (deliveryId: string, payloadJson: string): NewInboxRow => ({
        provider: 'ghl',
        deliveryId,
        eventType: 'ContactCreate',
        ...routeWebhookEvent('ghl', 'ContactCreate', JSON.parse(payloadJson) as Record<string, unknown>, DEFAULT_WEBHOOK_ROUTE),
        payloadJson,
        bodySha256: createHash('sha256').update(payloadJson).digest('hex'),
      });
      const outcomes = await flushInboxBatch(app.database, [
        row('batch-good-1', '{"id":"g1","locationId":"L"}'),
        row('batch-bad', '{"id":"bad","name":"a\\u0000b","locationId":"L"}'),
        row('batch-good-2', '{"id":"g2","locationId":"L"}'),
      ]);
      expect(outcomes.map((outcome) => outcome.kind)).toEqual(['stored', 'unstorable', 'stored']);
      expect(await countStored(app, ['batch-good-1', 'batch-good-2'])).toBe(2);
      expect(await countStored(app, ['batch-bad'])).toBe(0);

      // Through HTTP: concurrent requests held back behind a blocked flush go out together; the
      // unstorable one is answered 400, the others 200 and stored.
      const good = [0, 1, 2].map((index) => ghlEvent('ContactCreate', { id: `http_good_${index}` }));
      const bad = ghlEvent('ContactCreate', { id: 'http_bad', name: 'a\u0000b' });
      const lock = await holdInboxLock(app);
      const first = send(app, ghlEvent('ContactCreate', { id: 'http_first' }));
      const requests = [good[0], bad, good[1], good[2]].map((event) => send(app, event as Record<string, unknown>));
      await lock.release();
      const rest = await Promise.all(requests);
      expect((await first).statusCode).toBe(200);
      expect(rest.map((response) => response.statusCode)).toEqual([200, 400, 200, 200]);
      expect(rest[1]?.json()).toMatchObject({ error: { code: 'webhook_body_unstorable' } });
      expect(await countStored(app, good.map((event) => event.webhookId as string))).toBe(3);
      expect(await countStored(app, [bad.webhookId as string])).toBe(0);
    } finally {
      await app.close();
    }
  });
});
