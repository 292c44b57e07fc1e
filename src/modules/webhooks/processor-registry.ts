import type { BatchOutcome, ProcessOutcome, WebhookBatchProcessor, WebhookEvent, WebhookProcessor, WebhookRouteSpec, WebhookSubscription } from '../../platform/module/index.js';

export type { BatchOutcome, ProcessOutcome, WebhookBatchProcessor, WebhookEvent, WebhookProcessor, WebhookRouteSpec, WebhookSubscription };

/** Where an event type nobody routes goes: the general queue, ordered by its id, never stale. */
export const DEFAULT_WEBHOOK_ROUTE: WebhookRouteSpec = { queue: 'general', priority: 0, entity: { family: 'entity', idPaths: [['id'], ['_id']], isVersioned: false } };

/**
 * The inbox's subscriptions: which processors run for an event type, and the route (queue, priority,
 * ordering) its owner declared. An event type with no processor is stored and marked skipped.
 */
export class ProcessorRegistry {
  private readonly processors = new Map<string, WebhookProcessor[]>();
  private readonly batchProcessors = new Map<string, (WebhookBatchProcessor | undefined)[]>();
  private readonly routes = new Map<string, WebhookRouteSpec>();

  subscribe(subscription: WebhookSubscription): void {
    for (const eventType of subscription.eventTypes) {
      if (subscription.route) this.declareRoute(eventType, subscription.route);
      const list = this.processors.get(eventType) ?? [];
      list.push(subscription.process);
      this.processors.set(eventType, list);
      const batches = this.batchProcessors.get(eventType) ?? [];
      batches.push(subscription.processBatch);
      this.batchProcessors.set(eventType, batches);
    }
  }

  subscribeAll(subscriptions: readonly WebhookSubscription[]): void {
    for (const subscription of subscriptions) this.subscribe(subscription);
  }

  /** One processor for one event type, filed as its owner would route it (pipeline tests). */
  register(eventType: string, route: WebhookRouteSpec, processor: WebhookProcessor): void {
    this.subscribe({ eventTypes: [eventType], route, process: processor });
  }

  find(eventType: string): readonly WebhookProcessor[] {
    return this.processors.get(eventType) ?? [];
  }

  /** The batch form of the type's processing, when one subscription alone processes it and has one. */
  findBatch(eventType: string): WebhookBatchProcessor | undefined {
    const batches = this.batchProcessors.get(eventType);
    return batches?.length === 1 ? batches[0] : undefined;
  }

  routeOf(eventType: string): WebhookRouteSpec {
    return this.routes.get(eventType) ?? DEFAULT_WEBHOOK_ROUTE;
  }

  eventTypes(): string[] {
    return [...this.processors.keys()].sort();
  }

  private declareRoute(eventType: string, route: WebhookRouteSpec): void {
    const known = this.routes.get(eventType);
    if (known && JSON.stringify(known) !== JSON.stringify(route)) {
      throw new Error(`webhook event type ${eventType} has two different routes (${known.queue} and ${route.queue}); only its owner declares one`);
    }
    this.routes.set(eventType, route);
  }
}
