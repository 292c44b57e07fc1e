import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookRouteSpec, WebhookWorkers } from '../src/modules/webhooks/index.js';
import { overdueRank } from '../src/modules/webhooks/webhook-dispatcher.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { createEventLog, createTestWebhookKeys, ghlEvent, ingestSigned, type EventLog, type TestWebhookKeys } from './webhooks-kit.js';

/*
 * The general queue (worker priority 4, the lowest) must not wait for the end of a burst of the other
 * bulk queues. On PGlite's one session a freed turn goes to the best waiter, and with contacts and
 * appointments both backlogged one of them always waited ahead of general: general ran only once both
 * were drained, so a burst of several minutes held it past its 120 s SLA. Once its work has waited
 * WEBHOOK_WORKER_OVERDUE_SHARE of its SLA (here 0.0025 × 120 s = 300 ms) it takes turns with them.
 * On PostgreSQL general has worker slots the bulk ceiling leaves free, so it passes there regardless.
 */

let app: TestApp;
let keys: TestWebhookKeys;
let workers: WebhookWorkers | undefined;

const PER_BULK_QUEUE = 400;
const GENERAL = 3;
const entity = { family: 'overdue-test', idPaths: [['id']], isVersioned: false };
const contactsRoute: WebhookRouteSpec = { queue: 'contacts', priority: 10, entity };
const appointmentsRoute: WebhookRouteSpec = { queue: 'appointments', priority: 10, entity };
const generalRoute: WebhookRouteSpec = { queue: 'general', priority: 10, entity };

/** Every processed event logs itself; bulk events also take a few milliseconds of database time each, so the backlog keeps the workers busy for seconds. */
let log: EventLog;

beforeAll(async () => {
  keys = createTestWebhookKeys();
  app = await createTestApp({
    withDefaultProcessors: false,
    env: { ...keys.env, WEBHOOK_WORKER_IDLE_MS: '50', WEBHOOK_WORKER_BATCH_SIZE: '50', WEBHOOK_WORKER_PER_LOCATION: '25', WEBHOOK_LEASE_SECONDS: '30', WEBHOOK_WORKER_OVERDUE_SHARE: '0.0025' },
  });
  log = await createEventLog(app.database, 'wh_overdue_log');
  app.processors.register('OverdueTestContact', contactsRoute, log.processor(0.005));
  app.processors.register('OverdueTestAppointment', appointmentsRoute, log.processor(0.005));
  app.processors.register('OverdueTestGeneral', generalRoute, log.processor());
});
afterAll(async () => {
  await workers?.stop();
  await app.close();
});

async function send(payload: Record<string, unknown>): Promise<void> {
  await ingestSigned(app.app, keys, payload);
}

const bulkDone = (counts: Map<string, number>) => (counts.get('OverdueTestContact') ?? 0) + (counts.get('OverdueTestAppointment') ?? 0);

describe('overdue bulk queues', () => {
  it('ranks overdue bulk work with the best bulk level, and never with critical or messages', () => {
    expect([0, 1, 2, 3, 4].map((priority) => overdueRank(priority, false))).toEqual([0, 1, 2, 3, 4]);
    expect([0, 1, 2, 3, 4].map((priority) => overdueRank(priority, true))).toEqual([0, 1, 2, 2, 2]);
  });

  it('gives the general queue its turn during a contacts and appointments burst once its events are overdue', async () => {
    for (let index = 0; index < PER_BULK_QUEUE; index += 1) {
      await send(ghlEvent('OverdueTestContact', { id: `ct_overdue_${index}`, locationId: `loc_overdue_${index % 4}` }));
      await send(ghlEvent('OverdueTestAppointment', { id: `ap_overdue_${index}`, locationId: `loc_overdue_${index % 4}` }));
    }
    workers = app.webhooks.startWorkers();
    await waitFor(async () => (bulkDone(await log.countByType()) > 0 ? true : undefined), 60_000, 'bulk processing to start');
    await Promise.all(Array.from({ length: GENERAL }, (_, index) => send(ghlEvent('OverdueTestGeneral', { id: `gen_overdue_${index}`, locationId: `loc_overdue_${index}` }))));
    const atArrival = bulkDone(await log.countByType());
    const leftAtArrival = 2 * PER_BULK_QUEUE - atArrival;
    // The burst is well under way and most of it still waits (else this test would prove nothing).
    expect(leftAtArrival).toBeGreaterThan(PER_BULK_QUEUE);
    const whenDone = await waitFor(
      async () => {
        const counts = await log.countByType();
        return (counts.get('OverdueTestGeneral') ?? 0) === GENERAL ? counts : undefined;
      },
      60_000,
      'the general events',
    );
    // Done while most of the burst still waited; before, general ran only after all of it.
    expect(bulkDone(whenDone) - atArrival).toBeLessThan(leftAtArrival / 2);
    await waitFor(async () => (bulkDone(await log.countByType()) === 2 * PER_BULK_QUEUE ? true : undefined), 120_000, 'the bulk backlog');
  });
});
