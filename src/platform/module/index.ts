export { WEBHOOK_QUEUE_NAMES } from './app-module.js';
export type { AppModule, BatchOutcome, WebhookBatchProcessor, JobDefinition, WebhookEntityRule, WebhookEvent, WebhookProcessor, WebhookQueueName, WebhookRouteSpec, WebhookSubscription, ProcessOutcome } from './app-module.js';
