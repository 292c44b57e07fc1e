import { describe, expect, it } from 'vitest';
import { generateSandboxData } from './data-generator.js';

const COUNTS = { locations: 2, contacts: 500, opportunities: 100, appointments: 50, conversations: 60, invoices: 30 };

describe('generateSandboxData', () => {
  it('is deterministic: the same seed gives the same data, another seed other data', () => {
    const first = generateSandboxData(42, COUNTS);
    const second = generateSandboxData(42, COUNTS);
    const third = generateSandboxData(43, COUNTS);
    const serialize = (store: ReturnType<typeof generateSandboxData>): string =>
      JSON.stringify([...store.dataByLocation.values()].map((data) => [[...data.contacts.values()], [...data.opportunities.values()], [...data.invoices.values()], [...data.messages.values()]]));
    expect(serialize(first)).toBe(serialize(second));
    expect(first.company.id).toBe(second.company.id);
    expect(serialize(first)).not.toBe(serialize(third));
  });

  it('creates the requested entities per location with valid phones and unique emails', () => {
    const store = generateSandboxData(1, COUNTS);
    expect(store.locations.size).toBe(2);
    const emails = new Set<string>();
    for (const data of store.dataByLocation.values()) {
      expect(data.contacts.size).toBe(500);
      expect(data.opportunities.size).toBe(100);
      expect(data.events.size).toBe(50);
      expect(data.conversations.size).toBe(60);
      expect(data.invoices.size).toBe(30);
      expect(data.pipelines.size).toBeGreaterThan(0);
      expect(data.calendars.size).toBeGreaterThan(0);
      for (const contact of data.contacts.values()) {
        expect(contact.phone).toMatch(/^\+1[2-9]\d{2}[2-9]\d{6}$/);
        expect(contact.phone.slice(5, 7)).not.toBe('11');
        expect(emails.has(contact.email)).toBe(false);
        emails.add(contact.email);
        expect(contact.id).toMatch(/^[A-Za-z0-9]{20}$/);
        expect(contact.dateUpdatedMs).toBeGreaterThanOrEqual(contact.dateAddedMs);
      }
      for (const pipeline of data.pipelines.values()) expect(pipeline.stages.length).toBeGreaterThan(2);
      const withCustomFields = [...data.contacts.values()].filter((contact) => contact.customFields.length > 0);
      const withTags = [...data.contacts.values()].filter((contact) => contact.tags.length > 0);
      expect(withCustomFields.length).toBeGreaterThan(100);
      expect(withTags.length).toBeGreaterThan(100);
    }
    expect(store.users.size).toBe(1 + 2 * 3);
  });

  it('generates 30,000 contacts in well under the time a test can afford', () => {
    const startedMs = performance.now();
    const store = generateSandboxData(5, { locations: 3, contacts: 10_000, opportunities: 0, appointments: 0, conversations: 0, invoices: 0 });
    expect([...store.dataByLocation.values()].reduce((sum, data) => sum + data.contacts.size, 0)).toBe(30_000);
    expect(performance.now() - startedMs).toBeLessThan(10_000);
  });
});
