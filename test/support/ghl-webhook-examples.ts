import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../../src/main/wire.js';
import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/platform/log/index.js';
import { WakeupHub } from '../../src/platform/queue/index.js';
import { routeWebhookEvent, type ProcessorRegistry, type WebhookEvent, type WebhookQueueName } from '../../src/modules/webhooks/index.js';
import { startWebhookDispatcher } from '../../src/modules/webhooks/webhook-dispatcher.js';
import { findInboxIdByDelivery, insertInboxRows } from '../../src/modules/webhooks/webhook-inbox.repo.js';
import { replayEvents } from '../../src/modules/webhooks/webhook-ops.repo.js';

/** GHL's official webhook examples, vendored in reference/ghl/webhooks (its README names the source). */
export const GHL_WEBHOOK_EXAMPLES_DIR = resolve(REPO_ROOT, 'reference/ghl/webhooks');

interface ExampleFile {
  event: string;
  examples: { label: string; payload: Record<string, unknown> }[];
}

/** Every example payload of one docs page (file name without .json), deep-copied. */
export function loadGhlExamples(page: string): { label: string; payload: Record<string, unknown> }[] {
  const file = JSON.parse(readFileSync(join(GHL_WEBHOOK_EXAMPLES_DIR, `${page}.json`), 'utf8')) as ExampleFile;
  return file.examples.map((example) => ({ label: example.label, payload: structuredClone(example.payload) }));
}

/** The first (or the labelled) example payload of a docs page. */
export function loadGhlExample(page: string, labelIncludes?: string): Record<string, unknown> {
  const examples = loadGhlExamples(page);
  const found = labelIncludes === undefined ? examples[0] : examples.find((example) => example.label.includes(labelIncludes));
  if (!found) throw new Error(`no example ${labelIncludes ?? ''} in ${page}.json`);
  return found.payload;
}

let deliverySequence = 0;

/**
 * A stored event as the dispatcher hands it to processors: the location from `locationId` (or `altId`
 * for invoice-style payloads), the company from `companyId`.
 */
export function buildGhlEvent(eventType: string, payload: Record<string, unknown>, overrides: Partial<WebhookEvent> = {}): WebhookEvent {
  deliverySequence += 1;
  const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
  const altLocation = payload['altType'] === 'location' ? text(payload['altId']) : null;
  return {
    id: String(deliverySequence),
    provider: 'ghl',
    eventType,
    deliveryId: text(payload['webhookId']) ?? `test-delivery-${deliverySequence}`,
    ghlLocationId: text(payload['locationId']) ?? altLocation,
    ghlCompanyId: text(payload['companyId']),
    payload,
    receivedAt: new Date('2026-01-01T00:00:00.000Z'),
    attempt: 1,
    ...overrides,
  };
}

/** What the real dispatcher made of an event, read back from its inbox row. */
export interface DispatchOutcome {
  status: 'done' | 'skipped' | 'dead';
  /** Why it was skipped (the processors' reasons, or the dispatcher's stale rule). */
  reason?: string;
  /** The failure the dispatcher recorded (`Name: message`); the harness allows one attempt, so a throw ends dead. */
  error?: string;
  attempts: number;
}

const HARNESS_SETTINGS = {
  // One attempt: a processor that throws leaves a dead row with its error (a retry row would hold back
  // every later event of the same entity, as it does in production until the retry succeeds).
  maxAttempts: 1,
  retryBaseSeconds: 3600,
  retryMaxSeconds: 3600,
  leaseSeconds: 60,
  batchSize: 10,
  concurrency: 1,
  perLocation: 10,
  idleMs: 20,
  overdueShare: 0.1,
};
const quietLogger = createLogger({ level: 'silent' });

/**
 * Processes one event the way production does: the event is stored in the inbox with the route its
 * owner declared (queue, ordering key, version time), and a real dispatcher (startWebhookDispatcher:
 * claim with a lease, the stale-version rule, every subscribed processor in one transaction, the
 * skip rule, the fenced finish) runs it. A delivery already in the inbox is replayed by id, as an
 * operator's replay does, so "the same delivery processed again" goes through the same step.
 */
export async function processGhlEvent(database: Database, registry: ProcessorRegistry, event: WebhookEvent): Promise<DispatchOutcome> {
  if (registry.find(event.eventType).length === 0) throw new Error(`no processor registered for ${event.eventType}`);
  const payloadJson = JSON.stringify(event.payload);
  const existing = await findInboxIdByDelivery(database.db, event.provider, event.deliveryId);
  const [sameBody] = existing ? await queryRows(database.db, sql`select 1 as "ok" from webhook_events where id = ${existing}::bigint and payload = ${payloadJson}::jsonb`) : [];
  // Official examples carry fixed webhookIds: another body under a stored id is another delivery here.
  const deliveryId = existing && !sameBody ? `${event.deliveryId}#${(deliverySequence += 1)}` : event.deliveryId;
  let id: string;
  let queue: WebhookQueueName;
  if (existing && sameBody) {
    const replayed = await replayEvents(database.db, { kind: 'all' }, { id: existing });
    if (replayed.count !== 1) throw new Error(`delivery ${event.deliveryId} is in the inbox but not finished, so it cannot be replayed`);
    id = existing;
    queue = replayed.queues[0] as WebhookQueueName;
  } else {
    const routed = routeWebhookEvent(event.provider, event.eventType, event.payload, registry.routeOf(event.eventType));
    const [inserted] = await insertInboxRows(database, [
      { provider: event.provider, deliveryId, eventType: event.eventType, ...routed, payloadJson, bodySha256: 'test' },
    ]);
    if (!inserted) throw new Error(`delivery ${event.deliveryId} was not stored`);
    id = inserted.id;
    queue = routed.queue as WebhookQueueName;
  }
  const hub = new WakeupHub();
  const dispatcher = startWebhookDispatcher({ database, registry, hub, logger: quietLogger, settings: HARNESS_SETTINGS, queues: [queue], workerId: `harness-${id}` });
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [row] = await queryRows<{ status: string; lastError: string | null; attempts: number }>(
        database.db,
        sql`select status, last_error as "lastError", attempts from webhook_events where id = ${id}::bigint`,
      );
      if (row && (row.status === 'done' || row.status === 'skipped' || row.status === 'dead')) {
        if (row.status === 'done') return { status: 'done', attempts: row.attempts };
        if (row.status === 'skipped') return { status: 'skipped', reason: row.lastError ?? '', attempts: row.attempts };
        return { status: 'dead', error: row.lastError ?? '', attempts: row.attempts };
      }
      if (Date.now() > deadline) throw new Error(`event ${event.eventType} ${event.deliveryId} was not processed within 30 s (status ${row?.status ?? 'missing'})`);
      hub.notify(queue);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    await dispatcher.stop();
  }
}

/** A processor threw: the dispatcher recorded the failure (`Name: message`) and the row is dead. */
export class DispatchFailedError extends Error {
  constructor(recorded: string) {
    super(recorded);
    this.name = 'DispatchFailedError';
  }
}

/** processGhlEvent as the processors' own outcome: done, or skipped with the reason; a failure throws DispatchFailedError. */
export async function processGhlEventOrThrow(database: Database, registry: ProcessorRegistry, event: WebhookEvent): Promise<{ status: 'done' } | { status: 'skipped'; reason: string }> {
  const outcome = await processGhlEvent(database, registry, event);
  if (outcome.status === 'done') return { status: 'done' };
  if (outcome.status === 'skipped') return { status: 'skipped', reason: outcome.reason ?? '' };
  throw new DispatchFailedError(outcome.error ?? 'unknown failure');
}
