import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import { signHmacSha256Hex } from '../src/modules/webhooks/index.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { createTestWebhookKeys, signEd25519, signRsa, type TestWebhookKeys } from './webhooks-kit.js';

/*
 * The stored bytes are the verified bytes: GHL's docs sign `JSON.stringify(payload)`, so a body may
 * verify only in its re-serialised form; then that form is what is stored, hashed and deduplicated.
 */

let app: TestApp;
let keys: TestWebhookKeys;
const HMAC_SECRET = 'integration-secret-0123456789';

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({ env: { ...keys.env, WEBHOOK_HMAC_SECRETS: `int_bytes:${HMAC_SECRET}` }, withDefaultProcessors: false });
});
afterAll(async () => app.close());

const sha256 = (bytes: string | Buffer) => createHash('sha256').update(bytes).digest('hex');

async function post(body: string | Buffer, headers: Record<string, string>, url = '/api/webhooks/ghl') {
  return app.app.inject({ method: 'POST', url, payload: body, headers: { 'content-type': 'application/json', ...headers } });
}

async function rowsWithMarker(marker: string) {
  return queryRows<{ bodySha256: string; payload: Record<string, unknown>; deliveryId: string }>(
    app.database.db,
    sql`select body_sha256 as "bodySha256", payload, delivery_id as "deliveryId" from webhook_events where payload->>'marker' = ${marker} order by id`,
  );
}

/** A GHL event without a webhookId, so the body's hash is its delivery key. */
function eventWithoutId(marker: string, extra: Record<string, unknown> = {}) {
  return { type: 'NoteCreate', locationId: 'loc_bytes', id: `n_${marker}`, marker, ...extra };
}

describe('the stored bytes are the verified bytes', () => {
  it('stores and deduplicates the signed (re-serialised) form of a pretty-printed copy', async () => {
    const payload = eventWithoutId('pretty', { body: 'Grace Hopper', nested: { list: [1, 2.5, 'x'] } });
    const signed = JSON.stringify(payload);
    const pretty = JSON.stringify(payload, null, 2);
    const first = await post(pretty, { 'x-ghl-signature': signEd25519(keys, signed) });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ duplicate: false });
    // The compact body GHL actually delivers is the same delivery.
    const again = await post(signed, { 'x-ghl-signature': signEd25519(keys, signed) });
    expect(again.json()).toMatchObject({ duplicate: true });
    const rows = await rowsWithMarker('pretty');
    expect(rows).toHaveLength(1);
    expect(rows[0]?.bodySha256).toBe(sha256(signed));
    expect(rows[0]?.deliveryId).toBe(`sha256:${sha256(signed)}`);
    expect(rows[0]?.payload).toEqual(payload);
  });

  it('stores one signed body sent in five whitespace layouts once (Ed25519 and RSA)', async () => {
    for (const scheme of ['ed25519', 'rsa'] as const) {
      const marker = `layouts-${scheme}`;
      const payload = eventWithoutId(marker, { tags: ['a', 'b'], amount: 12.5 });
      const signed = JSON.stringify(payload);
      const header = scheme === 'ed25519' ? { 'x-ghl-signature': signEd25519(keys, signed) } : { 'x-wh-signature': signRsa(keys, signed) };
      const layouts = [JSON.stringify(payload, null, 2), JSON.stringify(payload, null, '\t'), ` ${signed} `, `${signed}\n`, signed.replace(/,/g, ', ').replace(/:/g, ': ')];
      expect(new Set(layouts).size).toBe(5);
      const answers = [];
      for (const layout of layouts) answers.push(await post(layout, header));
      expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200, 200]);
      expect(answers.map((answer) => answer.json<{ duplicate: boolean }>().duplicate)).toEqual([false, true, true, true, true]);
      const rows = await rowsWithMarker(marker);
      expect(rows).toHaveLength(1);
      expect(rows[0]?.bodySha256).toBe(sha256(signed));
    }
  });

  it('keeps the raw bytes (and their hash) when the raw bytes are what verified', async () => {
    const raw = `{ "type": "NoteCreate", "locationId": "loc_bytes", "id": "n_raw", "marker": "raw" }`;
    expect((await post(raw, { 'x-ghl-signature': signEd25519(keys, raw) })).statusCode).toBe(200);
    const rows = await rowsWithMarker('raw');
    expect(rows[0]?.bodySha256).toBe(sha256(raw));
  });

  it('refuses numbers that do not survive a round trip, whichever form was signed', async () => {
    // JSON.stringify turns 1e400 (Infinity) into null: the sender signed null, the body says 1e400.
    const signedNull = '{"type":"NoteCreate","locationId":"loc_bytes","marker":"lossy","value":null}';
    const overflowing = signedNull.replace('null', '1e400');
    const forged = await post(overflowing, { 'x-ghl-signature': signEd25519(keys, signedNull) });
    expect(forged.statusCode).toBe(400);
    expect(forged.json()).toMatchObject({ error: { code: 'webhook_body_number_unsafe' } });
    for (const literal of ['1e400', '-1e400', '1e-400', '12345678901234567891', '9007199254740993', '0.10000000000000000001']) {
      const body = signedNull.replace('null', literal);
      const answer = await post(body, { 'x-ghl-signature': signEd25519(keys, body) });
      expect(answer.statusCode, literal).toBe(400);
      expect(answer.json()).toMatchObject({ error: { code: 'webhook_body_number_unsafe' } });
    }
    expect(await rowsWithMarker('lossy')).toHaveLength(0);
    // Numbers that mean the same after a round trip are fine.
    for (const [index, literal] of ['1.50', '1E2', '-0', '0.1', '9007199254740992', '1.7976931348623157e308'].entries()) {
      const body = `{"type":"NoteCreate","locationId":"loc_bytes","marker":"exact","n":${index},"value":${literal}}`;
      const answer = await post(body, { 'x-ghl-signature': signEd25519(keys, body) });
      expect(answer.statusCode, literal).toBe(200);
    }
    expect(await rowsWithMarker('exact')).toHaveLength(6);
  });

  it('refuses a signed body that is not valid UTF-8 instead of storing replacement characters', async () => {
    const invalid = Buffer.concat([Buffer.from('{"type":"NoteCreate","locationId":"loc_bytes","marker":"utf8","name":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    const ghl = await post(invalid, { 'x-ghl-signature': signEd25519(keys, invalid) });
    expect(ghl.statusCode).toBe(400);
    expect(ghl.json()).toMatchObject({ error: { code: 'webhook_body_not_utf8' } });
    const hmac = await post(invalid, { 'x-webhook-signature': `sha256=${signHmacSha256Hex(HMAC_SECRET, invalid)}` }, '/api/webhooks/integrations/int_bytes');
    expect(hmac.statusCode).toBe(400);
    expect(hmac.json()).toMatchObject({ error: { code: 'webhook_body_not_utf8' } });
    // Unsigned, it is still a signature failure first.
    expect((await post(invalid, { 'x-ghl-signature': signEd25519(keys, 'other') })).statusCode).toBe(401);
    expect(await rowsWithMarker('utf8')).toHaveLength(0);
    const [count] = await queryRows<{ count: number }>(app.database.db, sql`select count(*)::int as "count" from webhook_events where payload::text like '%\uFFFD%'`);
    expect(count?.count).toBe(0);
  });
});
