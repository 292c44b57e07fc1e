import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { queryRows, type Database } from '../src/platform/db/index.js';
import { installEffectLog } from './support/crash-effects.js';
import { findFreePort, spawnScript, waitFor, waitForService, type SpawnedService } from './support/spawn-service.js';
import { createTestDatabase, testDatabaseEngine, testDatabaseUrl } from './support/test-database.js';
import { createTestWebhookKeys, signEd25519, type TestWebhookKeys } from './webhooks-kit.js';

/*
 * "Zero acknowledged webhooks lost, effects exactly once" under SIGKILL, with the product's own
 * processors (the CRM contact processor writes `contacts`; a trigger logs which delivery each
 * committed write came from). The crash comes from inside the worker during an application, so a
 * transaction is open and a batch is claimed at that moment. PGlite: `npm start` in one process,
 * killed and restarted on its data dir. PostgreSQL: an API process and two worker processes; one
 * worker dies mid-batch and the other finishes its leased rows once the leases expire.
 */

const root = mkdtempSync(join(tmpdir(), 'sb-webhooks-crash-'));
const started: SpawnedService[] = [];
afterAll(() => {
  // Whatever happened in the test, no service outlives it.
  for (const service of started) if (service.process.exitCode === null && service.process.signalCode === null) service.process.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function startService(env: Record<string, string>): SpawnedService {
  const service = spawnScript('test/webhooks-crash-service.ts', { LOG_LEVEL: 'error', ...env });
  started.push(service);
  return service;
}

const ENTITIES = 30;
const VERSIONS = 8;

interface Delivery {
  webhookId: string;
  body: string;
}

interface EventRow {
  deliveryId: string;
  status: string;
  attempts: number;
  lockedBy: string | null;
  rows: number;
}

interface Summary {
  events: EventRow[];
  effects: { deliveryId: string; count: number }[];
  state: { entityId: string; name: string }[];
}

/** Every version of every contact, in a shuffled order with some duplicate deliveries. */
function buildDeliveries(): { unique: Delivery[]; shuffled: Delivery[] } {
  const unique: Delivery[] = [];
  for (let entity = 0; entity < ENTITIES; entity += 1) {
    for (let version = 0; version < VERSIONS; version += 1) {
      const payload = {
        type: 'ContactUpdate',
        locationId: `loc_${entity % 3}`,
        id: `contact_${entity}`,
        firstName: `v${version}`,
        dateUpdated: new Date(Date.UTC(2026, 0, 1, 0, version)).toISOString(),
        webhookId: `wh_${entity}_${version}`,
        timestamp: new Date().toISOString(),
      };
      unique.push({ webhookId: payload.webhookId, body: JSON.stringify(payload) });
    }
  }
  let seed = 42;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const shuffled = [...unique, ...unique.filter(() => random() < 0.1)].sort(() => random() - 0.5);
  return { unique, shuffled };
}

function createDeliverer(keys: TestWebhookKeys, base: string) {
  const acknowledged = new Set<string>();
  const deliver = async (delivery: Delivery): Promise<{ status: number; isDuplicate: boolean | undefined }> => {
    try {
      const response = await fetch(`${base}/api/webhooks/ghl`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ghl-signature': signEd25519(keys, delivery.body) }, body: delivery.body });
      const body = (await response.json()) as { duplicate?: boolean };
      if (response.status === 200) acknowledged.add(delivery.webhookId);
      return { status: response.status, isDuplicate: body.duplicate };
    } catch {
      return { status: 0, isDuplicate: undefined };
    }
  };
  /** Twelve concurrent senders, as GHL's deliveries overlap. */
  const sendAll = async (deliveries: readonly Delivery[]) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < deliveries.length) {
          const delivery = deliveries[next] as Delivery;
          next += 1;
          await deliver(delivery);
        }
      }),
    );
  };
  return { acknowledged, deliver, sendAll };
}

async function waitForLive(service: SpawnedService, base: string, what: string): Promise<void> {
  await waitForService(service, async () => ((await fetch(`${base}/api/health/live`)).ok ? true : undefined), 240_000, what);
}

/** After the crash: GHL-style redelivery of everything; what was acknowledged before must answer duplicate: true. */
async function redeliverAll(deliverer: ReturnType<typeof createDeliverer>, shuffled: readonly Delivery[], acknowledgedBeforeCrash: ReadonlySet<string>) {
  for (const delivery of shuffled) {
    const answer = await deliverer.deliver(delivery);
    expect(answer.status).toBe(200);
    if (acknowledgedBeforeCrash.has(delivery.webhookId)) expect(answer.isDuplicate, delivery.webhookId).toBe(true);
  }
}

async function expectRefusalsStoreNothing(keys: TestWebhookKeys, base: string) {
  const post = (body: string, signature: string) => fetch(`${base}/api/webhooks/ghl`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-ghl-signature': signature }, body });
  const forged = JSON.stringify({ type: 'ContactUpdate', id: 'forged', webhookId: 'forged-1', timestamp: new Date().toISOString() });
  expect((await post(forged, signEd25519(keys, forged + ' '))).status).toBe(401);
  const old = JSON.stringify({ type: 'ContactUpdate', id: 'old', webhookId: 'old-1', timestamp: new Date(Date.now() - 3 * 3600_000).toISOString() });
  expect((await post(old, signEd25519(keys, old))).status).toBe(401);
  const malformed = '{"type": "ContactUpdate",';
  expect((await post(malformed, signEd25519(keys, malformed))).status).toBe(400);
  const huge = JSON.stringify({ type: 'ContactUpdate', id: 'huge', blob: 'x'.repeat(2 * 1024 * 1024) });
  // The service answers 413 from the declared length and closes the connection: a client still sending
  // the 2 MB body can see that as EPIPE or ECONNRESET instead of the answer (seen once in CI). Either way
  // the delivery is refused, and expectExactlyOnce below checks that nothing of it was stored.
  const hugeAnswer = await post(huge, signEd25519(keys, huge)).then(
    (response) => response.status,
    (error: unknown) => {
      const code = (error as { cause?: { code?: unknown } }).cause?.code;
      if (code === 'EPIPE' || code === 'ECONNRESET') return 'closed while sending';
      throw error;
    },
  );
  expect([413, 'closed while sending']).toContain(hugeAnswer);
}

function isFinished(summary: Summary, expected: number): boolean {
  return summary.events.length === expected && summary.events.every((event) => event.status === 'done' || event.status === 'skipped');
}

/** The claims, checked on the drained inbox: one row per delivery, one committed application per done event, the newest state. */
function expectExactlyOnce(summary: Summary, unique: readonly Delivery[], acknowledgedBeforeCrash: ReadonlySet<string>, runningAtCrash: readonly string[]) {
  expect(summary.events).toHaveLength(unique.length);
  expect(summary.events.every((event) => event.rows === 1)).toBe(true);
  const byDelivery = new Map(summary.events.map((event) => [event.deliveryId, event]));
  // Nothing acknowledged was lost.
  expect([...acknowledgedBeforeCrash].filter((webhookId) => !byDelivery.has(webhookId))).toEqual([]);
  // The rows the crash left running were finished later, on a second attempt.
  expect(runningAtCrash.length).toBeGreaterThan(0);
  for (const deliveryId of runningAtCrash) {
    const event = byDelivery.get(deliveryId);
    expect(event?.status === 'done' || event?.status === 'skipped', deliveryId).toBe(true);
    expect(event?.attempts, deliveryId).toBeGreaterThanOrEqual(2);
  }
  expect(summary.events.filter((event) => event.attempts > 1).length).toBeGreaterThan(0);
  // Effects match deliveries one to one: a done event committed exactly one write of its contact,
  // a skipped (stale) one none, and no delivery committed twice.
  const effects = new Map(summary.effects.map((effect) => [effect.deliveryId, effect.count]));
  const mismatches = summary.events.filter((event) => (effects.get(event.deliveryId) ?? 0) !== (event.status === 'done' ? 1 : 0));
  expect(mismatches).toEqual([]);
  expect([...effects.keys()].filter((deliveryId) => !byDelivery.has(deliveryId))).toEqual([]);
  expect(summary.events.filter((event) => event.status === 'done').length).toBeGreaterThanOrEqual(ENTITIES);
  // Each contact ends in its newest version whatever the order and the crash.
  expect(summary.state).toHaveLength(ENTITIES);
  for (const entity of summary.state) expect(entity.name, entity.entityId).toBe(`v${VERSIONS - 1}`);
}

describe('webhook pipeline under SIGKILL, with the product processors', () => {
  it.runIf(testDatabaseEngine() === 'pglite')('PGlite (npm start): killed during an application, restarted on its data dir, every acknowledged event applied exactly once', async () => {
    const keys = createTestWebhookKeys();
    const port = await findFreePort();
    const base = `http://127.0.0.1:${port}`;
    const env = { ...keys.env, PGLITE_DATA_DIR: join(root, 'pglite'), PORT: String(port), CRASH_ROLE: 'all', WEBHOOK_LEASE_SECONDS: '5', WEBHOOK_WORKER_IDLE_MS: '50', WEBHOOK_WORKER_BATCH_SIZE: '10', WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_RETRY_MAX_SECONDS: '1' };
    const { unique, shuffled } = buildDeliveries();
    const deliverer = createDeliverer(keys, base);

    // Every contact's newest version is applied, so at least 30 applications happen: the 20th is a sure crash.
    const first = startService({ ...env, CRASH_SETUP: '1', CRASH_AFTER_APPLICATIONS: '20' });
    await waitForLive(first, base, 'service start');
    const sending = deliverer.sendAll(shuffled);
    await waitFor(async () => (first.process.signalCode !== null || first.process.exitCode !== null ? true : undefined), 150_000, 'the service to crash');
    expect(first.process.signalCode).toBe('SIGKILL');
    await sending;
    const acknowledgedBeforeCrash = new Set(deliverer.acknowledged);
    expect(acknowledgedBeforeCrash.size).toBeGreaterThanOrEqual(20);

    const second = startService(env);
    try {
      await waitForLive(second, base, 'service restart');
      const afterRestart = (await (await fetch(`${base}/test/summary`)).json()) as Summary & { runningAtStart: { deliveryId: string }[] };
      // What the crash left: rows claimed and running, and every acknowledged delivery stored.
      const runningAtCrash = afterRestart.runningAtStart.map((row) => row.deliveryId);
      expect(runningAtCrash.length).toBeGreaterThan(0);
      const stored = new Set(afterRestart.events.map((event) => event.deliveryId));
      expect([...acknowledgedBeforeCrash].filter((webhookId) => !stored.has(webhookId))).toEqual([]);

      await redeliverAll(deliverer, shuffled, acknowledgedBeforeCrash);
      await expectRefusalsStoreNothing(keys, base);
      const summary = await waitFor(
        async () => {
          const current = (await (await fetch(`${base}/test/summary`)).json()) as Summary;
          return isFinished(current, unique.length) ? current : undefined;
        },
        // PGlite under a loaded run processes slowly; the point here is correctness, not speed.
        150_000,
        'every event to be processed',
      );
      expectExactlyOnce(summary, unique, acknowledgedBeforeCrash, runningAtCrash);
      second.process.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      second.process.kill('SIGKILL');
    }
  }, 600_000); // two or three service starts; one start took over 120 s at load 17 on 2 cores (issue 11's flake loop)

  it.runIf(testDatabaseEngine() === 'postgres')('PostgreSQL: two worker processes, one SIGKILLed mid-batch; the other finishes its rows, every acknowledged event applied exactly once', async () => {
    const keys = createTestWebhookKeys();
    const database: Database = await createTestDatabase();
    try {
      const url = testDatabaseUrl(database) as string;
      await installEffectLog(database.db);
      const port = await findFreePort();
      const base = `http://127.0.0.1:${port}`;
      // A long idle timer: the workers learn of new events from the API's NOTIFY (production wiring), not by polling.
      const env = { ...keys.env, DATABASE_URL: url, PORT: String(port), GHL_SANDBOX: 'off', WEBHOOK_LEASE_SECONDS: '10', WEBHOOK_WORKER_IDLE_MS: '30000', WEBHOOK_WORKER_BATCH_SIZE: '10', WEBHOOK_RETRY_BASE_SECONDS: '0', WEBHOOK_RETRY_MAX_SECONDS: '1' };
      const { unique, shuffled } = buildDeliveries();
      const deliverer = createDeliverer(keys, base);

      const api = startService({ ...env, CRASH_ROLE: 'api' });
      // Stale versions are skipped before any processor runs, so only some events count as applications;
      // the third one in this worker is early enough that it surely comes, with the other worker busy too.
      const doomed = startService({ ...env, CRASH_ROLE: 'worker', CRASH_AFTER_APPLICATIONS: '3' });
      const survivor = startService({ ...env, CRASH_ROLE: 'worker' });
      await waitForLive(api, base, 'the API process');
      const workerIdOf = (service: SpawnedService) => /worker=(\S+)/.exec(service.output())?.[1];
      // Both started at once; each wait fails at once with the process's output if it exits.
      const doomedId = await waitForService(doomed, async () => workerIdOf(doomed), 240_000, 'the doomed worker process');
      const survivorId = await waitForService(survivor, async () => workerIdOf(survivor), 240_000, 'the surviving worker process');

      const sending = deliverer.sendAll(shuffled);
      await waitFor(async () => (doomed.process.signalCode !== null || doomed.process.exitCode !== null ? true : undefined), 150_000, 'the doomed worker to crash');
      expect(doomed.process.signalCode).toBe('SIGKILL');
      // Right after the kill (leases run 10 s and are no longer renewed): its claimed batch is still running.
      const runningAtCrash = (
        await queryRows<{ deliveryId: string }>(database.db, sql`select delivery_id as "deliveryId" from webhook_events where status = 'running' and locked_by = ${doomedId}`)
      ).map((row) => row.deliveryId);
      expect(runningAtCrash.length).toBeGreaterThan(0);
      await sending;
      const acknowledgedBeforeCrash = new Set(deliverer.acknowledged);
      // The API never went down: every delivery was acknowledged the first time.
      expect(acknowledgedBeforeCrash.size).toBe(unique.length);

      await redeliverAll(deliverer, shuffled, acknowledgedBeforeCrash);
      await expectRefusalsStoreNothing(keys, base);
      const readSummary = async (): Promise<Summary> => ({
        events: await queryRows<EventRow & Record<string, unknown>>(
          database.db,
          sql`select delivery_id as "deliveryId", status, attempts, locked_by as "lockedBy", count(*) over (partition by delivery_id)::int as "rows" from webhook_events order by id`,
        ),
        effects: await queryRows(database.db, sql`select delivery_id as "deliveryId", count(distinct txid)::int as "count" from crash_effects group by delivery_id`),
        state: await queryRows(database.db, sql`select ghl_id as "entityId", first_name as name from contacts where location_id like 'loc_crash_%' order by ghl_id`),
      });
      const summary = await waitFor(async () => {
        const current = await readSummary();
        return isFinished(current, unique.length) ? current : undefined;
      }, 150_000, 'every event to be processed');
      expectExactlyOnce(summary, unique, acknowledgedBeforeCrash, runningAtCrash);
      // The rows the dead worker held were finished by the survivor. (Whether the doomed worker committed
      // a batch before its kill depends on timing: it may die inside its first batch, which then commits nothing.)
      const byDelivery = new Map(summary.events.map((event) => [event.deliveryId, event]));
      for (const deliveryId of runningAtCrash) expect(byDelivery.get(deliveryId)?.lockedBy, deliveryId).toBe(survivorId);
      const finishers = new Set(summary.events.map((event) => event.lockedBy));
      expect(finishers.has(survivorId)).toBe(true);
      expect([...finishers].every((id) => id === doomedId || id === survivorId)).toBe(true);
      for (const service of [api, survivor]) service.process.kill('SIGTERM');
      expect(await Promise.all([api.exited, survivor.exited])).toEqual([0, 0]);
    } finally {
      await database.close();
    }
  }, 600_000); // two or three service starts; one start took over 120 s at load 17 on 2 cores (issue 11's flake loop)
});
