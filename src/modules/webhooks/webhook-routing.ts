import { WEBHOOK_QUEUE_NAMES, type WebhookQueueName, type WebhookRouteSpec } from '../../platform/module/index.js';

export { WEBHOOK_QUEUE_NAMES };
export type { WebhookQueueName };

export interface WebhookQueueDefinition {
  name: WebhookQueueName;
  /** Target time from receipt to done; the status API reports compliance against it. */
  slaSeconds: number;
  /** Which queue's worker gets the next free database slot when they compete (lower first). */
  workerPriority: number;
}

export const WEBHOOK_QUEUES: readonly WebhookQueueDefinition[] = [
  { name: 'critical', slaSeconds: 30, workerPriority: 0 },
  { name: 'messages', slaSeconds: 2, workerPriority: 1 },
  { name: 'contacts', slaSeconds: 60, workerPriority: 3 },
  { name: 'appointments', slaSeconds: 60, workerPriority: 3 },
  { name: 'projects', slaSeconds: 60, workerPriority: 3 },
  { name: 'financial', slaSeconds: 30, workerPriority: 2 },
  { name: 'general', slaSeconds: 120, workerPriority: 4 },
];

export function isWebhookQueueName(value: string): value is WebhookQueueName {
  return (WEBHOOK_QUEUE_NAMES as readonly string[]).includes(value);
}

function readPath(payload: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = payload;
  for (const key of path) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function readString(payload: Record<string, unknown>, path: readonly string[]): string | undefined {
  const value = readPath(payload, path);
  if (typeof value === 'string' && value.length > 0 && value.length <= 200) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function readDate(payload: Record<string, unknown>, path: readonly string[]): Date | undefined {
  const value = readPath(payload, path);
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** GHL names the location `locationId`, invoices use `altId` + `altType: location`, workflow webhooks nest `location.id`. */
export function extractGhlLocationId(payload: Record<string, unknown>): string | undefined {
  return (
    readString(payload, ['locationId']) ??
    (payload.altType === 'location' ? readString(payload, ['altId']) : undefined) ??
    readString(payload, ['location', 'id'])
  );
}

export function extractGhlCompanyId(payload: Record<string, unknown>): string | undefined {
  return readString(payload, ['companyId']) ?? readString(payload, ['company', 'id']);
}

/** The envelope `timestamp` GHL stamps on each delivery (kept on retries), used for the replay window. */
export function extractDeliveryTimestamp(payload: Record<string, unknown>): Date | undefined {
  return readDate(payload, ['timestamp']);
}

export interface RoutedEvent {
  queue: WebhookQueueName;
  priority: number;
  ghlLocationId: string | null;
  ghlCompanyId: string | null;
  fairnessKey: string;
  orderingKey: string | null;
  /** The entity version the event carries; set only for versioned (state) events. */
  occurredAt: Date | null;
}

/** Files one event by the route its owner declared (ProcessorRegistry.routeOf). */
/** The fairness key of an event that names no location or company (workflow and integration webhooks, malformed ones). */
export const UNSCOPED_FAIRNESS_KEY = '-';

export function routeWebhookEvent(provider: string, eventType: string, payload: Record<string, unknown>, route: WebhookRouteSpec): RoutedEvent {
  const ghlLocationId = extractGhlLocationId(payload) ?? null;
  const ghlCompanyId = extractGhlCompanyId(payload) ?? null;
  let entityId: string | undefined;
  for (const path of route.entity.idPaths) {
    entityId = readString(payload, path);
    if (entityId) break;
  }
  const scope = ghlLocationId ?? ghlCompanyId ?? '-';
  const orderingKey = entityId ? `${provider}:${scope}:${route.entity.family}:${entityId}` : null;
  // A delete always applies (the processors keep it permanent): GHL sends an Update next to a Delete
  // that may carry a newer time, and the guard must not skip the delete because of it.
  const isDelete = eventType.endsWith('Delete') || eventType === 'UNINSTALL';
  const occurredAt =
    route.entity.isVersioned && orderingKey && !isDelete
      ? (readDate(payload, ['dateUpdated']) ??
        readDate(payload, ['updatedAt']) ??
        readDate(payload, ['appointment', 'dateUpdated']) ??
        readDate(payload, ['timestamp']) ??
        null)
      : null;
  // Never empty: the claim's round-robin starts after the empty cursor, so a row keyed '' would never be claimed.
  return { queue: route.queue, priority: route.priority, ghlLocationId, ghlCompanyId, fairnessKey: ghlLocationId ?? ghlCompanyId ?? UNSCOPED_FAIRNESS_KEY, orderingKey, occurredAt };
}

const PROVIDER_CHANNEL_TYPES = new Set(['SMS', 'Email']);

/**
 * The event type of a marketplace webhook is the body's `type`. Conversation-provider deliveries put
 * the channel there instead (ghl-api.md §6), so those are recognised by shape.
 */
export function extractGhlEventType(payload: Record<string, unknown>): string {
  const type = typeof payload.type === 'string' && payload.type.length > 0 && payload.type.length <= 100 ? payload.type : undefined;
  if (type && PROVIDER_CHANNEL_TYPES.has(type) && typeof payload.messageId === 'string' && payload.direction === undefined) return 'ProviderOutboundMessage';
  return type ?? 'unknown';
}
