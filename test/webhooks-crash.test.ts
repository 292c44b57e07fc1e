import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/main/wire.js';
import { findFreePort, waitFor } from './support/spawn-service.js';
import { createTestWebhookKeys, signEd25519 } from './webhooks-kit.js';

const root = mkdtempSync(join(tmpdir(), 'sb-webhooks-crash-'));
const started: ChildProcess[] = [];
afterAll(() => {
  // Whatever happened in the test, no service outlives it.
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function startService(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/webhooks-crash-service.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

interface Summary {
  events: { deliveryId: string; status: string; rows: number }[];
  effects: { deliveryId: string; count: number }[];
  state: { entityId: string; name: string }[];
}

const ENTITIES = 30;
const VERSIONS = 8;

describe('webhook pipeline under SIGKILL', () => {
  it('processes every acknowledged event exactly once in effect, and ends each entity in its newest state', async () => {
    const keys = createTestWebhookKeys();
    const port = await findFreePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { ...keys.env, PGLITE_DATA_DIR: join(root, 'pglite'), PORT: String(port), WEBHOOK_LEASE_SECONDS: '5', WEBHOOK_WORKER_IDLE_MS: '50', WEBHOOK_WORKER_BATCH_SIZE: '10', WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_RETRY_MAX_SECONDS: '1' };

    // Every version of every entity, delivered in a shuffled order with some duplicate deliveries.
    const deliveries: { webhookId: string; body: string }[] = [];
    for (let entity = 0; entity < ENTITIES; entity += 1) {
      for (let version = 0; version < VERSIONS; version += 1) {
        const payload = { type: 'ContactUpdate', locationId: `loc_${entity % 3}`, id: `contact_${entity}`, name: `v${version}`, dateUpdated: new Date(Date.UTC(2026, 0, 1, 0, version)).toISOString(), webhookId: `wh_${entity}_${version}`, timestamp: new Date().toISOString() };
        deliveries.push({ webhookId: payload.webhookId, body: JSON.stringify(payload) });
      }
    }
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const shuffled = [...deliveries, ...deliveries.filter(() => random() < 0.1)].sort(() => random() - 0.5);

    const acknowledged = new Set<string>();
    const deliver = async (delivery: { webhookId: string; body: string }) => {
      try {
        const response = await fetch(`${base}/api/webhooks/ghl`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, delivery.body) }, body: delivery.body });
        if (response.status === 200) acknowledged.add(delivery.webhookId);
        return response.status;
      } catch {
        return 0;
      }
    };

    const first = startService(env);
    try {
      await waitFor(async () => ((await fetch(`${base}/api/health/live`)).ok ? true : undefined), 60_000, 'service start');
      let next = 0;
      const senders = Array.from({ length: 12 }, async () => {
        while (next < shuffled.length) {
          const delivery = shuffled[next] as { webhookId: string; body: string };
          next += 1;
          await deliver(delivery);
        }
      });
      await waitFor(async () => (acknowledged.size >= 120 ? true : undefined), 30_000, 'some acknowledged events');
      first.child.kill('SIGKILL');
      await Promise.all(senders);
      expect(await first.exited).toBeNull();
    } finally {
      first.child.kill('SIGKILL');
    }
    const acknowledgedBeforeCrash = new Set(acknowledged);
    expect(acknowledgedBeforeCrash.size).toBeGreaterThanOrEqual(120);

    const second = startService(env);
    try {
      await waitFor(async () => ((await fetch(`${base}/api/health/live`)).ok ? true : undefined), 60_000, 'service restart');
      // What was acknowledged before the crash must have survived it (no resend yet).
      const afterRestart = (await (await fetch(`${base}/test/summary`)).json()) as Summary;
      const stored = new Set(afterRestart.events.map((event) => event.deliveryId));
      expect([...acknowledgedBeforeCrash].filter((webhookId) => !stored.has(webhookId))).toEqual([]);

      // GHL-style redelivery of everything (duplicates of stored ones must be answered duplicate: true).
      for (const delivery of shuffled) expect(await deliver(delivery)).toBe(200);

      // Refusals store nothing.
      const before = afterRestart.events.length;
      const post = (body: string, signature: string) => fetch(`${base}/api/webhooks/ghl`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ghl-signature': signature }, body });
      const forged = JSON.stringify({ type: 'ContactUpdate', id: 'forged', webhookId: 'forged-1', timestamp: new Date().toISOString() });
      expect((await post(forged, signEd25519(keys, forged + ' '))).status).toBe(401);
      const old = JSON.stringify({ type: 'ContactUpdate', id: 'old', webhookId: 'old-1', timestamp: new Date(Date.now() - 3 * 3600_000).toISOString() });
      expect((await post(old, signEd25519(keys, old))).status).toBe(401);
      const malformed = '{"type": "ContactUpdate",';
      expect((await post(malformed, signEd25519(keys, malformed))).status).toBe(400);
      const huge = JSON.stringify({ type: 'ContactUpdate', id: 'huge', blob: 'x'.repeat(2 * 1024 * 1024) });
      expect((await post(huge, signEd25519(keys, huge))).status).toBe(413);

      const summary = await waitFor(
        async () => {
          const current = (await (await fetch(`${base}/test/summary`)).json()) as Summary;
          return current.events.length === deliveries.length && current.events.every((event) => event.status === 'done' || event.status === 'skipped') ? current : undefined;
        },
        // PGlite under a loaded CI run processes slowly; the point here is correctness, not speed.
        150_000,
        'every event to be processed',
      );
      expect(summary.events.length).toBe(deliveries.length);
      expect(before).toBeLessThanOrEqual(deliveries.length);
      expect(summary.events.every((event) => event.rows === 1)).toBe(true);
      const effects = new Map(summary.effects.map((effect) => [effect.deliveryId, effect.count]));
      for (const event of summary.events) expect(effects.get(event.deliveryId) ?? 0).toBe(event.status === 'done' ? 1 : 0);
      expect(summary.state).toHaveLength(ENTITIES);
      for (const entity of summary.state) expect(entity.name).toBe(`v${VERSIONS - 1}`);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      second.child.kill('SIGKILL');
    }
  }, 280_000); // two service starts plus a full drain; under a loaded 2-core CI run this exceeds the 60 s default
});
