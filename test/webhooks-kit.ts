import { generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { WebhookProcessor } from '../src/modules/webhooks/index.js';
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

/** Posts a signed GHL webhook through the app (no network hop) and answers its 200 body; any other status throws. */
export async function ingestSigned(app: FastifyInstance, keys: TestWebhookKeys, payload: Record<string, unknown>): Promise<{ id?: string; duplicate: boolean }> {
  const request = signedRequest(keys, payload);
  const response = await app.inject({ method: 'POST', url: '/api/webhooks/ghl', payload: request.body, headers: request.headers });
  if (response.statusCode !== 200) throw new Error(`ingest failed (${response.statusCode}): ${response.body}`);
  return response.json<{ id?: string; duplicate: boolean }>();
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

/**
 * A table that test processors log every event they process into, in commit order: `processor(sleepSeconds)`
 * logs (after that much database time, to make bulk work slow), `countByType()` reads how many of each type committed.
 */
export type EventLog = Awaited<ReturnType<typeof createEventLog>>;

export async function createEventLog(database: Database, table: string) {
  await database.db.execute(sql`create table ${sql.identifier(table)} (seq serial primary key, event_type text not null)`);
  return {
    processor:
      (sleepSeconds = 0): WebhookProcessor =>
      async (tx, event) => {
        if (sleepSeconds > 0) await tx.execute(sql`select pg_sleep(${sleepSeconds})`);
        await tx.execute(sql`insert into ${sql.identifier(table)} (event_type) values (${event.eventType})`);
        return { status: 'done' };
      },
    async countByType(): Promise<Map<string, number>> {
      const rows = await queryRows<{ eventType: string; count: number }>(database.db, sql`select event_type as "eventType", count(*)::int as "count" from ${sql.identifier(table)} group by event_type`);
      return new Map(rows.map((row) => [row.eventType, row.count]));
    },
  };
}
