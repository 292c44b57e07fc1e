import type { ProcessorRegistry } from '../webhooks/index.js';
import { createAppointmentProcessors } from './appointments.processors.js';
import { createCommerceProcessors } from './commerce.processors.js';
import { createContactProcessors } from './contacts.processors.js';
import { createConversationProcessors } from './conversations.processors.js';
import type { CrmProcessorDeps } from './entity-processor.js';
import { createGhlUserProcessors } from './ghl-users.processors.js';
import { createOpportunityProcessors } from './opportunities.processors.js';

/** Every GHL event that writes local CRM state, by event type. */
export function createCrmProcessors(deps: CrmProcessorDeps) {
  return {
    ...createGhlUserProcessors(deps),
    ...createContactProcessors(deps),
    ...createOpportunityProcessors(deps),
    ...createAppointmentProcessors(deps),
    ...createConversationProcessors(deps),
    ...createCommerceProcessors(deps),
  };
}

export function registerCrmProcessors(registry: ProcessorRegistry, deps: CrmProcessorDeps): void {
  registry.registerAll(createCrmProcessors(deps));
}
