import { describe, expect, it } from 'vitest';
import { systemClock } from '../../platform/clock/clock.js';
import { generateId } from '../../platform/ids/ids.js';
import { createCrmWebhookSubscriptions } from '../crm/index.js';
import { createGhlLifecycleSubscriptions } from '../ghl/index.js';
import { ProcessorRegistry } from './processor-registry.js';
import { routeWebhookEvent as routeWith } from './webhook-routing.js';

// The routes the product's modules declare, as src/main/wire.ts subscribes them.
const registry = new ProcessorRegistry();
registry.subscribeAll(createGhlLifecycleSubscriptions({ generateId, clock: systemClock }));
registry.subscribeAll(createCrmWebhookSubscriptions({ generateId, clock: systemClock }));
const routeWebhookEvent = (provider: string, eventType: string, payload: Record<string, unknown>) => routeWith(provider, eventType, payload, registry.routeOf(eventType));

describe('webhook routing', () => {
  it('routes by the table to the seven queues, unknown types to general', () => {
    expect(routeWebhookEvent('ghl', 'INSTALL', { locationId: 'L' }).queue).toBe('critical');
    expect(routeWebhookEvent('ghl', 'InboundMessage', { locationId: 'L' }).queue).toBe('messages');
    expect(routeWebhookEvent('ghl', 'ContactUpdate', { locationId: 'L', id: 'c' }).queue).toBe('contacts');
    expect(routeWebhookEvent('ghl', 'AppointmentCreate', { locationId: 'L', appointment: { id: 'a' } }).queue).toBe('appointments');
    expect(routeWebhookEvent('ghl', 'OpportunityStageUpdate', { locationId: 'L', id: 'o' }).queue).toBe('projects');
    expect(routeWebhookEvent('ghl', 'InvoicePaid', { altId: 'L', _id: 'i' }).queue).toBe('financial');
    expect(routeWebhookEvent('ghl', 'SomethingNew', {}).queue).toBe('general');
  });

  it('versions state events by their update time, but never a delete', () => {
    const update = routeWebhookEvent('ghl', 'ContactUpdate', { locationId: 'L', id: 'c1', dateUpdated: '2026-01-02T00:00:00Z' });
    expect(update.orderingKey).toBe('ghl:L:contact:c1');
    expect(update.occurredAt?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    const deleted = routeWebhookEvent('ghl', 'ContactDelete', { locationId: 'L', id: 'c1', dateUpdated: '2026-01-01T00:00:00Z' });
    expect(deleted.orderingKey).toBe(update.orderingKey);
    expect(deleted.occurredAt).toBeNull();
  });

  it('gives an event without location or company a fairness key the claim can reach', () => {
    expect(routeWebhookEvent('ghl', 'NoteCreate', { id: 'n' }).fairnessKey).toBe('-');
    expect(routeWebhookEvent('integration', 'lead', {}).fairnessKey).toBe('-');
    expect(routeWebhookEvent('ghl', 'NoteCreate', { id: 'n', locationId: 'L' }).fairnessKey).toBe('L');
  });

  it('refuses two different routes for one event type', () => {
    const conflicting = new ProcessorRegistry();
    conflicting.subscribe({ eventTypes: ['ContactUpdate'], route: { queue: 'contacts', priority: 20, entity: { family: 'contact', idPaths: [['id']], isVersioned: true } }, process: async () => ({ status: 'done' }) });
    expect(() => conflicting.subscribe({ eventTypes: ['ContactUpdate'], route: { queue: 'general', priority: 0, entity: { family: 'x', idPaths: [], isVersioned: false } }, process: async () => ({ status: 'done' }) })).toThrow(/two different routes/);
  });
});
