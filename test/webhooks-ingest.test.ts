import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestWebhookKeys, ghlEvent, signEd25519, signedRequest, type TestWebhookKeys } from './webhooks-kit.js';
import { signHmacSha256Hex } from '../src/modules/webhooks/index.js';

let app: TestApp;
let keys: TestWebhookKeys;
const HMAC_SECRET = 'workflow-secret-0123456789';

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({ env: { ...keys.env, WEBHOOK_HMAC_SECRETS: `int_1:${HMAC_SECRET}`, WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: '600' } });
});
afterAll(async () => app.close());

async function countRows(deliveryId?: string): Promise<number> {
  const rows = await queryRows<{ count: number }>(
    app.database.db,
    deliveryId === undefined ? sql`select count(*)::int as "count" from webhook_events` : sql`select count(*)::int as "count" from webhook_events where delivery_id = ${deliveryId}`,
  );
  return rows[0]?.count ?? 0;
}

async function post(url: string, body: string | Buffer, headers: Record<string, string>) {
  return app.app.inject({ method: 'POST', url, payload: body, headers });
}

describe('webhook ingest', () => {
  it('stores an Ed25519-signed event before answering 200, routed to its queue', async () => {
    const event = ghlEvent('ContactCreate', { id: 'c_1' });
    const request = signedRequest(keys, event);
    const response = await post('/api/webhooks/ghl', request.body, request.headers);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ received: true, duplicate: false, id: expect.any(String) });
    const [row] = await queryRows<{ queue: string; event_type: string; ghl_location_id: string; ordering_key: string }>(
      app.database.db,
      sql`select queue, event_type, ghl_location_id, ordering_key from webhook_events where delivery_id = ${event.webhookId as string}`,
    );
    expect(row).toEqual({ queue: 'contacts', event_type: 'ContactCreate', ghl_location_id: 'loc_test', ordering_key: 'ghl:loc_test:contact:c_1' });
  });

  it('answers the accepted body the WebhookAccepted schema describes, byte for byte, with the stored row id', async () => {
    const event = ghlEvent('ContactCreate', { id: 'c_bytes' });
    const request = signedRequest(keys, event);
    const first = await post('/api/webhooks/ghl', request.body, request.headers);
    const [row] = await queryRows<{ id: string }>(app.database.db, sql`select id::text as "id" from webhook_events where delivery_id = ${event.webhookId as string}`);
    expect(first.statusCode).toBe(200);
    expect(first.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(first.body).toBe(JSON.stringify({ received: true, duplicate: false, id: row?.id }));
    const again = await post('/api/webhooks/ghl', request.body, request.headers);
    expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(again.body).toBe('{"received":true,"duplicate":true}');
    expect(first.headers['x-request-id']).toEqual(expect.any(String));
  });

  it('accepts the legacy RSA signature only when the Ed25519 header is absent', async () => {
    const event = ghlEvent('OpportunityCreate', { id: 'o_1' });
    const rsa = signedRequest(keys, event, 'rsa');
    expect((await post('/api/webhooks/ghl/native', rsa.body, rsa.headers)).statusCode).toBe(200);
    const other = ghlEvent('OpportunityCreate', { id: 'o_2' });
    const both = signedRequest(keys, other, 'rsa');
    const response = await post('/api/webhooks/ghl', both.body, { ...both.headers, 'x-ghl-signature': signEd25519(keys, 'something else') });
    expect(response.statusCode).toBe(401);
    expect(await countRows(other.webhookId as string)).toBe(0);
  });

  it('answers a duplicate webhookId with duplicate: true and keeps one row', async () => {
    const event = ghlEvent('InboundMessage', { conversationId: 'conv_1' });
    const request = signedRequest(keys, event);
    const responses = await Promise.all([1, 2, 3].map(() => post('/api/webhooks/ghl', request.body, request.headers)));
    expect(responses.map((response) => response.statusCode)).toEqual([200, 200, 200]);
    expect(responses.filter((response) => response.json<{ duplicate: boolean }>().duplicate)).toHaveLength(2);
    expect(await countRows(event.webhookId as string)).toBe(1);
  });

  it('keys events without a webhookId by a content hash', async () => {
    const body = JSON.stringify({ type: 'NoteCreate', id: 'n_1', locationId: 'loc_test' });
    const headers = { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, body) };
    expect((await post('/api/webhooks/ghl', body, headers)).json()).toMatchObject({ duplicate: false });
    expect((await post('/api/webhooks/ghl', body, headers)).json()).toMatchObject({ duplicate: true });
  });

  it('refuses bad signatures, old replays, malformed, non-object, empty and oversize bodies, storing nothing', async () => {
    const before = await countRows();
    const event = ghlEvent('ContactUpdate', { id: 'c_2' });
    const request = signedRequest(keys, event);
    const tampered = request.body.replace('c_2', 'c_3');
    const bad = await post('/api/webhooks/ghl', tampered, request.headers);
    expect(bad.statusCode).toBe(401);
    expect(bad.json()).toMatchObject({ error: { code: 'webhook_signature_invalid' } });
    expect((await post('/api/webhooks/ghl', request.body, { 'content-type': 'application/json' })).statusCode).toBe(401);

    const old = signedRequest(keys, ghlEvent('ContactUpdate', { id: 'c_4', timestamp: new Date(Date.now() - 3600_000).toISOString() }));
    const replayed = await post('/api/webhooks/ghl', old.body, old.headers);
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json()).toMatchObject({ error: { code: 'webhook_replay_rejected' } });

    const malformed = '{"type": "ContactCreate", ';
    const notJson = await post('/api/webhooks/ghl', malformed, { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, malformed) });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ error: { code: 'webhook_body_not_json' } });

    const array = '[1,2]';
    expect((await post('/api/webhooks/ghl', array, { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, array) })).statusCode).toBe(400);

    const empty = await post('/api/webhooks/ghl', '', { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, '') });
    expect(empty.statusCode).toBe(400);

    const huge = JSON.stringify(ghlEvent('ContactCreate', { id: 'big', blob: 'x'.repeat(2 * 1024 * 1024) }));
    const oversize = await post('/api/webhooks/ghl', huge, { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, huge) });
    expect(oversize.statusCode).toBe(413);

    const nul = JSON.stringify(ghlEvent('ContactCreate', { id: 'nul', name: 'a\u0000b' }));
    const unstorable = await post('/api/webhooks/ghl', nul, { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, nul) });
    expect(unstorable.statusCode).toBe(400);
    expect(await countRows()).toBe(before);
  });

  it('accepts an old timestamp for a delivery it already holds (a GHL retry) as a duplicate', async () => {
    const event = ghlEvent('ContactUpdate', { id: 'c_5' });
    const request = signedRequest(keys, event);
    expect((await post('/api/webhooks/ghl', request.body, request.headers)).statusCode).toBe(200);
    await app.database.db.execute(sql`update webhook_events set received_at = received_at where delivery_id = ${event.webhookId as string}`);
    const retried = { ...event, timestamp: new Date(Date.now() - 3600_000).toISOString() };
    const retry = signedRequest(keys, retried);
    const response = await post('/api/webhooks/ghl', retry.body, retry.headers);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ duplicate: true });
  });

  it('accepts HMAC-signed workflow and integration webhooks and refuses a wrong secret', async () => {
    const body = JSON.stringify({ location: { id: 'loc_wf' }, contact_id: 'x1' });
    const good = await post('/api/webhooks/ghl/LeadSubmitted?integrationId=int_1', body, { 'content-type': 'application/json', 'x-webhook-signature': `sha256=${signHmacSha256Hex(HMAC_SECRET, body)}` });
    expect(good.statusCode).toBe(200);
    const viaHeader = await post('/api/webhooks/integrations/int_1', body, { 'content-type': 'application/json', 'x-webhook-signature': signHmacSha256Hex(HMAC_SECRET, body) });
    expect(viaHeader.statusCode).toBe(200);
    const wrong = await post('/api/webhooks/integrations/int_1', body, { 'content-type': 'application/json', 'x-webhook-signature': signHmacSha256Hex('another-secret-0123456789', body) });
    expect(wrong.statusCode).toBe(401);
    const unknown = await post('/api/webhooks/integrations/int_2', body, { 'content-type': 'application/json', 'x-webhook-signature': signHmacSha256Hex(HMAC_SECRET, body) });
    expect(unknown.statusCode).toBe(401);
    const [row] = await queryRows<{ provider: string; event_type: string; ghl_location_id: string; queue: string }>(
      app.database.db,
      sql`select provider, event_type, ghl_location_id, queue from webhook_events where provider = 'ghl_workflow'`,
    );
    expect(row).toEqual({ provider: 'ghl_workflow', event_type: 'LeadSubmitted', ghl_location_id: 'loc_wf', queue: 'general' });
  });

  it('accepts a body sent without a content type', async () => {
    const event = ghlEvent('TaskCreate', { id: 't_1' });
    const body = JSON.stringify(event);
    const response = await post('/api/webhooks/ghl', body, { 'x-ghl-signature': signEd25519(keys, body) });
    expect(response.statusCode).toBe(200);
  });
});
