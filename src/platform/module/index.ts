export { WEBHOOK_QUEUE_NAMES } from './app-module.js';
export type { AppModule, JobDefinition, WebhookEntityRule, WebhookEvent, WebhookProcessor, WebhookQueueName, WebhookRouteSpec, WebhookSubscription, ProcessOutcome } from './app-module.js';
