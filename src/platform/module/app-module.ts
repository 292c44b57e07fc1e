import type { Tx } from '../db/index.js';
import type { HttpServer } from '../http/index.js';
import type { JobHandler } from '../jobs/index.js';
import type { ScheduledJob } from '../scheduler/index.js';

/**
 * The one face every module shows `src/main/wire.ts`: `createXModule(deps)` returns an AppModule and
 * wire.ts connects its parts (routes to the HTTP server, webhook subscriptions to the inbox, job
 * handlers to the job runner, schedules to the scheduler). Modules never reach into each other's
 * wiring; what one module needs of another arrives in its deps.
 */
export interface AppModule {
  /** The module's folder name (`crm`, `notifications`, …); used in logs and the dashboard. */
  readonly name: string;
  /** Registers this module's HTTP routes. */
  registerRoutes?(app: HttpServer): void;
  /** Webhook event types this module processes, each with its queue, priority and ordering rule. */
  readonly webhooks?: readonly WebhookSubscription[];
  /** Outbox job handlers by job kind (`module.verb-noun`). */
  readonly jobs?: readonly JobDefinition[];
  /** Cron jobs the scheduler runs once per slot across instances. */
  readonly schedules?: readonly ScheduledJob[];
  /** Called when the process shuts down (after HTTP stops accepting). */
  close?(): Promise<void>;
}

export interface JobDefinition {
  /** `module.verb-noun`, e.g. `notifications.send-email`. */
  kind: string;
  handle: JobHandler;
}

/** The seven webhook queues (docs/ARCHITECTURE.md §4); their SLAs live in the webhooks module. */
export const WEBHOOK_QUEUE_NAMES = ['critical', 'messages', 'contacts', 'appointments', 'projects', 'financial', 'general'] as const;
export type WebhookQueueName = (typeof WEBHOOK_QUEUE_NAMES)[number];

/**
 * How an event names its entity: the first path that yields a string wins. `family` namespaces the
 * ordering key so e.g. a contact and an opportunity never share one.
 */
export interface WebhookEntityRule {
  family: string;
  idPaths: readonly (readonly string[])[];
  /** State events carry a full snapshot: an older version must not overwrite a newer one. Append-only events (messages) are never stale. */
  isVersioned: boolean;
}

/** Where the inbox files an event type: its queue, its priority there, and how it is ordered. */
export interface WebhookRouteSpec {
  queue: WebhookQueueName;
  /** Higher runs first within a queue. */
  priority: number;
  entity: WebhookEntityRule;
}

/** A stored webhook event as processors see it (one row of the inbox). */
export interface WebhookEvent {
  /** Our inbox row id. */
  id: string;
  /** ghl = marketplace app webhook; ghl_workflow = workflow/custom webhook; integration = a tenant integration's webhook. */
  provider: 'ghl' | 'ghl_workflow' | 'integration';
  /** GHL's `type` (or the workflow event type / integration event name). */
  eventType: string;
  /** GHL's webhookId, or a content hash when the sender gave none; unique per provider. */
  deliveryId: string;
  /** GHL location id (`locationId`, or `altId` for invoices) when the payload names one. */
  ghlLocationId: string | null;
  /** GHL company (agency) id when the payload names one. */
  ghlCompanyId: string | null;
  payload: Record<string, unknown>;
  receivedAt: Date;
  /** 1 on the first try. */
  attempt: number;
  /** Per-entity ordering key (provider:location:family:entity); events with the same key run one at a time in arrival order. */
  orderingKey?: string | null;
  /**
   * The entity version this event carries (dateUpdated / updatedAt / envelope timestamp), set for
   * state events only. The dispatcher already skips an event older than the newest version applied
   * for its ordering key; processors may compare it with their stored row too.
   */
  occurredAt?: Date | null;
}

export type ProcessOutcome = { status: 'done' } | { status: 'skipped'; reason: string };

/**
 * Applies one event inside the dispatcher's transaction. Must be idempotent (the same event may be
 * processed again after a crash) and must not let a stale event overwrite newer state. Throwing
 * rolls back and schedules a retry with backoff; after the last attempt the event is dead.
 */
export type WebhookProcessor = (tx: Tx, event: WebhookEvent) => Promise<ProcessOutcome>;

/** A batch processor's verdict on one event: `failed` only for an event it left untouched (retried alone). */
export type BatchOutcome = ProcessOutcome | { status: 'failed'; error: unknown };

/**
 * Applies many events of one type inside the dispatcher's batch transaction (set-based where it can),
 * under the same rules as the single processor; one outcome per event, in order. Throwing rolls the
 * whole batch back and the dispatcher processes its events one at a time.
 */
export type WebhookBatchProcessor = (tx: Tx, events: readonly WebhookEvent[]) => Promise<BatchOutcome[]>;

/**
 * One module's processor for some event types. The module that owns an event type's data declares
 * its `route`; another module may process the same type without one (it follows the owner's route).
 * Two different routes for one event type are a wiring error.
 */
export interface WebhookSubscription {
  eventTypes: readonly string[];
  route?: WebhookRouteSpec;
  process: WebhookProcessor;
  /** The same rules for a batch of events; used when this is the type's only subscription. */
  processBatch?: WebhookBatchProcessor;
}
