import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '../../src/main/wire.js';
import type { Database } from '../../src/platform/db/index.js';
import type { ProcessOutcome, ProcessorRegistry, WebhookEvent } from '../../src/modules/webhooks/index.js';

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

/** Runs every processor registered for the event in one system transaction, as the dispatcher does. */
export async function processGhlEvent(database: Database, registry: ProcessorRegistry, event: WebhookEvent): Promise<ProcessOutcome[]> {
  const processors = registry.find(event.eventType);
  if (processors.length === 0) throw new Error(`no processor registered for ${event.eventType}`);
  return database.system(async (tx) => {
    const outcomes: ProcessOutcome[] = [];
    for (const processor of processors) outcomes.push(await processor(tx, event));
    return outcomes;
  });
}
