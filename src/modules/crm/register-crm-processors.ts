import { appointmentMapping, createAppointmentProcessors } from './appointments.processors.js';
import { createCommerceProcessors } from './commerce.processors.js';
import { contactMapping, createContactProcessors } from './contacts.processors.js';
import { createConversationProcessors } from './conversations.processors.js';
import { createEntityBatchApplier, type CrmProcessorDeps } from './entity-processor.js';
import { createGhlUserProcessors } from './ghl-users.processors.js';
import { createOpportunityProcessors, opportunityMapping } from './opportunities.processors.js';

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

/**
 * Batch versions of the upsert processors of contacts, opportunities and appointments: a page of
 * webhook-shaped payloads in one statement (setup sync and reconciliation list thousands).
 */
export function createCrmBatchAppliers(deps: CrmProcessorDeps) {
  return {
    contacts: createEntityBatchApplier(contactMapping, deps),
    opportunities: createEntityBatchApplier(opportunityMapping, deps),
    appointments: createEntityBatchApplier(appointmentMapping, deps),
  };
}
