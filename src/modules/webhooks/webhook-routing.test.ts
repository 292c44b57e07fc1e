import { describe, expect, it } from 'vitest';
import { routeWebhookEvent } from './webhook-routing.js';

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
});
