import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../src/platform/db/index.js';
import { waitFor } from './support/spawn-service.js';

/** GHL-style signing keys made in the test; the app is configured to trust them instead of GHL's. */
export interface TestWebhookKeys {
  ed25519Private: KeyObject;
  rsaPrivate: KeyObject;
  env: Record<string, string>;
}

export function createTestWebhookKeys(): TestWebhookKeys {
  const ed25519 = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ed25519Private: ed25519.privateKey,
    rsaPrivate: rsa.privateKey,
    env: {
      GHL_WEBHOOK_ED25519_PUBLIC_KEY: ed25519.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      GHL_WEBHOOK_RSA_PUBLIC_KEY: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
  };
}

export function signEd25519(keys: TestWebhookKeys, body: string | Buffer): string {
  return sign(null, Buffer.from(body), keys.ed25519Private).toString('base64');
}

export function signRsa(keys: TestWebhookKeys, body: string | Buffer): string {
  return sign('sha256', Buffer.from(body), keys.rsaPrivate).toString('base64');
}

/** A GHL-shaped marketplace event with the envelope fields (`webhookId`, `timestamp`). */
export function ghlEvent(type: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { type, locationId: 'loc_test', webhookId: randomUUID(), timestamp: new Date().toISOString(), ...fields };
}

export function signedRequest(keys: TestWebhookKeys, payload: unknown, scheme: 'ed25519' | 'rsa' = 'ed25519') {
  const body = JSON.stringify(payload);
  const header = scheme === 'ed25519' ? { 'x-ghl-signature': signEd25519(keys, body) } : { 'x-wh-signature': signRsa(keys, body) };
  return { body, headers: { 'content-type': 'application/json', ...header } };
}

/** Resolves once no webhook event is pending, running or retrying (the workers drained the inbox). */
export async function waitForInboxDrained(database: Database, timeoutMs: number, what = 'the inbox to drain'): Promise<void> {
  await waitFor(
    async () => {
      const [row] = await queryRows<{ count: number }>(database.db, sql`select count(*)::int as "count" from webhook_events where status in ('pending', 'running', 'retry')`);
      return row?.count === 0 ? true : undefined;
    },
    timeoutMs,
    what,
  );
}
