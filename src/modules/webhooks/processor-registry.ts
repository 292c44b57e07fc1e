import type { Tx } from '../../platform/db/index.js';

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

/** Modules register processors by event type; an event type with none is stored and marked skipped. */
export class ProcessorRegistry {
  private readonly processors = new Map<string, WebhookProcessor[]>();

  register(eventType: string, processor: WebhookProcessor): void {
    const list = this.processors.get(eventType) ?? [];
    list.push(processor);
    this.processors.set(eventType, list);
  }

  registerAll(processors: Record<string, WebhookProcessor>): void {
    for (const [eventType, processor] of Object.entries(processors)) this.register(eventType, processor);
  }

  find(eventType: string): readonly WebhookProcessor[] {
    return this.processors.get(eventType) ?? [];
  }

  eventTypes(): string[] {
    return [...this.processors.keys()].sort();
  }
}
