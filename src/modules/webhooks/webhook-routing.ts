export const WEBHOOK_QUEUE_NAMES = ['critical', 'messages', 'contacts', 'appointments', 'projects', 'financial', 'general'] as const;
export type WebhookQueueName = (typeof WEBHOOK_QUEUE_NAMES)[number];

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

/**
 * How an event names its entity: the first path that yields a string wins. `family` namespaces the
 * ordering key so e.g. a contact and an opportunity never share one.
 */
interface EntityRule {
  family: string;
  idPaths: readonly (readonly string[])[];
  /** State events carry a full snapshot: an older version must not overwrite a newer one. Append-only events (messages) are never stale. */
  isVersioned: boolean;
}

export interface WebhookRoute {
  /** Exact event type, or a prefix ending in `*`. */
  pattern: string;
  queue: WebhookQueueName;
  /** Higher runs first within a queue. */
  priority: number;
  entity: EntityRule;
}

const byId = (family: string, isVersioned = true): EntityRule => ({ family, idPaths: [['id'], ['_id']], isVersioned });
const byMongoId = (family: string): EntityRule => ({ family, idPaths: [['_id'], ['id']], isVersioned: true });
const conversation: EntityRule = { family: 'conversation', idPaths: [['conversationId'], ['contactId']], isVersioned: false };
const tenantLifecycle: EntityRule = { family: 'app', idPaths: [['locationId'], ['companyId']], isVersioned: true };

/** The routing table (issue 3 §4). Exact types are matched before prefixes; anything else goes to `general`. */
export const WEBHOOK_ROUTES: readonly WebhookRoute[] = [
  { pattern: 'INSTALL', queue: 'critical', priority: 100, entity: tenantLifecycle },
  { pattern: 'UNINSTALL', queue: 'critical', priority: 100, entity: tenantLifecycle },
  { pattern: 'PLAN_CHANGE', queue: 'critical', priority: 90, entity: tenantLifecycle },
  { pattern: 'InboundMessage', queue: 'messages', priority: 50, entity: conversation },
  { pattern: 'OutboundMessage', queue: 'messages', priority: 50, entity: conversation },
  { pattern: 'ProviderOutboundMessage', queue: 'messages', priority: 60, entity: conversation },
  { pattern: 'ConversationUnreadUpdate', queue: 'messages', priority: 40, entity: byId('conversation-unread') },
  { pattern: 'LCEmailStats', queue: 'messages', priority: 30, entity: { family: 'email-stats', idPaths: [], isVersioned: false } },
  { pattern: 'CampaignStatusUpdate', queue: 'contacts', priority: 20, entity: { family: 'campaign-status', idPaths: [['contactId']], isVersioned: false } },
  { pattern: 'Contact*', queue: 'contacts', priority: 20, entity: byId('contact') },
  { pattern: 'Note*', queue: 'contacts', priority: 20, entity: byId('note') },
  { pattern: 'Task*', queue: 'contacts', priority: 20, entity: byId('task') },
  { pattern: 'Appointment*', queue: 'appointments', priority: 20, entity: { family: 'appointment', idPaths: [['appointment', 'id'], ['id']], isVersioned: true } },
  { pattern: 'Opportunity*', queue: 'projects', priority: 20, entity: byId('opportunity') },
  { pattern: 'Invoice*', queue: 'financial', priority: 30, entity: byMongoId('invoice') },
  { pattern: 'Order*', queue: 'financial', priority: 30, entity: byMongoId('order') },
  { pattern: 'Product*', queue: 'financial', priority: 20, entity: byMongoId('product') },
  { pattern: 'Price*', queue: 'financial', priority: 20, entity: byMongoId('price') },
];

const DEFAULT_ROUTE: WebhookRoute = { pattern: '*', queue: 'general', priority: 0, entity: byId('entity', false) };

const exactRoutes = new Map(WEBHOOK_ROUTES.filter((route) => !route.pattern.endsWith('*')).map((route) => [route.pattern, route]));
const prefixRoutes = WEBHOOK_ROUTES.filter((route) => route.pattern.endsWith('*')).map((route) => ({ prefix: route.pattern.slice(0, -1), route }));

export function findWebhookRoute(eventType: string): WebhookRoute {
  const exact = exactRoutes.get(eventType);
  if (exact) return exact;
  for (const { prefix, route } of prefixRoutes) if (eventType.startsWith(prefix)) return route;
  return DEFAULT_ROUTE;
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

export function routeWebhookEvent(provider: string, eventType: string, payload: Record<string, unknown>): RoutedEvent {
  const route = findWebhookRoute(eventType);
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
  return { queue: route.queue, priority: route.priority, ghlLocationId, ghlCompanyId, fairnessKey: ghlLocationId ?? ghlCompanyId ?? '', orderingKey, occurredAt };
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
