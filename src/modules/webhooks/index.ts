export { ProcessorRegistry } from './processor-registry.js';
export type { WebhookEvent, WebhookProcessor, ProcessOutcome } from './processor-registry.js';
