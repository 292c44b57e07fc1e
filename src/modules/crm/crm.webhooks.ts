import type { WebhookBatchProcessor, WebhookEntityRule, WebhookProcessor, WebhookRouteSpec, WebhookSubscription } from '../../platform/module/index.js';
import type { CrmProcessorDeps } from './entity-processor.js';
import { createCrmProcessors } from './register-crm-processors.js';

const byId = (family: string): WebhookEntityRule => ({ family, idPaths: [['id'], ['_id']], isVersioned: true });
const byMongoId = (family: string): WebhookEntityRule => ({ family, idPaths: [['_id'], ['id']], isVersioned: true });
const conversation: WebhookEntityRule = { family: 'conversation', idPaths: [['conversationId'], ['contactId']], isVersioned: false };

/** Where the GHL events crm applies are filed (docs/ARCHITECTURE.md §4). User events take the default route. */
export const CRM_WEBHOOK_ROUTES = {
  message: { queue: 'messages', priority: 50, entity: conversation },
  conversationUnread: { queue: 'messages', priority: 40, entity: byId('conversation-unread') },
  contact: { queue: 'contacts', priority: 20, entity: byId('contact') },
  note: { queue: 'contacts', priority: 20, entity: byId('note') },
  task: { queue: 'contacts', priority: 20, entity: byId('task') },
  appointment: { queue: 'appointments', priority: 20, entity: { family: 'appointment', idPaths: [['appointment', 'id'], ['id']], isVersioned: true } },
  opportunity: { queue: 'projects', priority: 20, entity: byId('opportunity') },
  invoice: { queue: 'financial', priority: 30, entity: byMongoId('invoice') },
  order: { queue: 'financial', priority: 30, entity: byMongoId('order') },
  product: { queue: 'financial', priority: 20, entity: byMongoId('product') },
  price: { queue: 'financial', priority: 20, entity: byMongoId('price') },
} as const satisfies Record<string, WebhookRouteSpec>;

const ROUTE_BY_PREFIX: readonly (readonly [string, WebhookRouteSpec])[] = [
  ['InboundMessage', CRM_WEBHOOK_ROUTES.message],
  ['OutboundMessage', CRM_WEBHOOK_ROUTES.message],
  ['ConversationUnreadUpdate', CRM_WEBHOOK_ROUTES.conversationUnread],
  ['Contact', CRM_WEBHOOK_ROUTES.contact],
  ['Note', CRM_WEBHOOK_ROUTES.note],
  ['Task', CRM_WEBHOOK_ROUTES.task],
  ['Appointment', CRM_WEBHOOK_ROUTES.appointment],
  ['Opportunity', CRM_WEBHOOK_ROUTES.opportunity],
  ['Invoice', CRM_WEBHOOK_ROUTES.invoice],
  ['Order', CRM_WEBHOOK_ROUTES.order],
  ['Product', CRM_WEBHOOK_ROUTES.product],
  ['Price', CRM_WEBHOOK_ROUTES.price],
];

function routeOf(eventType: string): WebhookRouteSpec | undefined {
  return ROUTE_BY_PREFIX.find(([prefix]) => eventType.startsWith(prefix))?.[1];
}

/** Every GHL event that writes local CRM state, with the route crm declares for it. */
export function createCrmWebhookSubscriptions(deps: CrmProcessorDeps): WebhookSubscription[] {
  return Object.entries(createCrmProcessors(deps)).map(([eventType, process]) => {
    const route = routeOf(eventType);
    // Entity processors carry a batch form: the dispatcher applies a claim's events of one type in one statement.
    const { processBatch } = process as WebhookProcessor & { processBatch?: WebhookBatchProcessor };
    return { eventTypes: [eventType], process, ...(route ? { route } : {}), ...(processBatch ? { processBatch } : {}) };
  });
}
