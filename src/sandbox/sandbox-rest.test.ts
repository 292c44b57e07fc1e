import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from './sandbox-server.js';
import { authorizeApp, callGhl } from './sandbox-test-kit.js';
import type { SandboxHandle } from './sandbox.types.js';

interface ContactRow {
  id: string;
  dateAdded: string;
  dateUpdated: string;
  searchAfter: [number, string];
}

describe('sandbox REST behaviour', () => {
  let sandbox: SandboxHandle;
  let token: string;
  let locationId: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 3, locations: 1, contacts: 1200, rateLimits: { burstMax: 100_000 } });
    locationId = sandbox.locationIds[0] ?? '';
    token = (await authorizeApp(sandbox)).access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('pages contacts with page/pageLimit and with the searchAfter cursor over the same set', async () => {
    const byPage: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const response = await callGhl(sandbox, token, 'POST', '/contacts/search', { locationId, page, pageLimit: 500, sort: [{ field: 'dateAdded', direction: 'asc' }] });
      expect(response.status).toBe(200);
      expect(response.body['total']).toBe(1200);
      byPage.push(...(response.body['contacts'] as ContactRow[]).map((contact) => contact.id));
    }
    const byCursor: string[] = [];
    let searchAfter: unknown;
    for (;;) {
      const body: Record<string, unknown> = { locationId, pageLimit: 250, sort: [{ field: 'dateAdded', direction: 'asc' }] };
      if (searchAfter) body['searchAfter'] = searchAfter;
      const response = await callGhl(sandbox, token, 'POST', '/contacts/search', body);
      const contacts = response.body['contacts'] as ContactRow[];
      if (contacts.length === 0) break;
      byCursor.push(...contacts.map((contact) => contact.id));
      searchAfter = contacts[contacts.length - 1]?.searchAfter;
    }
    expect(byCursor).toEqual(byPage);
    expect(new Set(byCursor).size).toBe(1200);
  });

  it('answers 422 with message arrays for bad search bodies and deep standard paging', async () => {
    const missing = await callGhl(sandbox, token, 'POST', '/contacts/search', { locationId });
    expect(missing.status).toBe(422);
    expect(Array.isArray(missing.body['message'])).toBe(true);
    const tooDeep = await callGhl(sandbox, token, 'POST', '/contacts/search', { locationId, page: 21, pageLimit: 500 });
    expect(tooDeep.status).toBe(422);
  });

  it('filters contacts by a dateUpdated range', async () => {
    const rows: ContactRow[] = [];
    for (let page = 1; page <= 3; page++) {
      const response = await callGhl(sandbox, token, 'POST', '/contacts/search', { locationId, pageLimit: 500, page, sort: [{ field: 'dateUpdated', direction: 'asc' }] });
      rows.push(...(response.body['contacts'] as ContactRow[]));
    }
    const pivot = rows[600]?.dateUpdated ?? '';
    const expected = rows.filter((contact) => contact.dateUpdated >= pivot).length;
    const filtered = await callGhl(sandbox, token, 'POST', '/contacts/search', { locationId, pageLimit: 500, filters: [{ field: 'dateUpdated', operator: 'range', value: { gte: pivot } }] });
    expect(filtered.body['total']).toBe(expected);
    expect((filtered.body['contacts'] as ContactRow[]).every((contact) => contact.dateUpdated >= pivot)).toBe(true);
  });

  it('keeps GHL quirks: succeded on contact update, flat appointment bodies, 201 contact create', async () => {
    const created = await callGhl(sandbox, token, 'POST', '/contacts/', { locationId, firstName: 'Quirk', email: 'quirk@example.com', phone: '5125550123', tags: ['vip'] });
    expect(created.status).toBe(201);
    const contact = created.body['contact'] as { id: string; phone: string };
    expect(contact.phone).toBe('+15125550123');
    const duplicate = await callGhl(sandbox, token, 'POST', '/contacts/', { locationId, email: 'quirk@example.com' });
    expect(duplicate.status).toBe(400);
    const updated = await callGhl(sandbox, token, 'PUT', `/contacts/${contact.id}`, { lastName: 'Checker' });
    expect(updated.body['succeded']).toBe(true);
    const upsert = await callGhl(sandbox, token, 'POST', '/contacts/upsert', { locationId, email: 'quirk@example.com', city: 'Austin' });
    expect(upsert.body['new']).toBe(false);
    const calendars = await callGhl(sandbox, token, 'GET', `/calendars/?locationId=${locationId}`);
    const calendarId = (calendars.body['calendars'] as { id: string }[])[0]?.id ?? '';
    const startTime = '2030-01-07T15:00:00.000Z';
    const appointment = await callGhl(sandbox, token, 'POST', '/calendars/events/appointments', { calendarId, locationId, contactId: contact.id, startTime });
    expect(appointment.status).toBe(200);
    expect(appointment.body['calendarId']).toBe(calendarId);
    const clash = await callGhl(sandbox, token, 'POST', '/calendars/events/appointments', { calendarId, locationId, contactId: contact.id, startTime });
    expect(clash.status).toBe(400);
    const window = await callGhl(sandbox, token, 'GET', `/calendars/events?locationId=${locationId}&calendarId=${calendarId}&startTime=${Date.parse(startTime) - 1000}&endTime=${Date.parse(startTime) + 3_600_000}`);
    expect((window.body['events'] as { id: string }[]).map((event) => event.id)).toEqual([appointment.body['id']]);
    const removed = await callGhl(sandbox, token, 'DELETE', `/calendars/events/${String(appointment.body['id'])}`);
    expect(removed.body['succeeded']).toBe(true);
  });

  it('pages opportunities with startAfter/startAfterId and invoices with offset', async () => {
    const seen: string[] = [];
    let path = `/opportunities/search?location_id=${locationId}&limit=100`;
    for (let guard = 0; guard < 20; guard++) {
      const response = await callGhl(sandbox, token, 'GET', path);
      expect(response.status).toBe(200);
      seen.push(...(response.body['opportunities'] as { id: string }[]).map((opportunity) => opportunity.id));
      const meta = response.body['meta'] as { startAfter?: number; startAfterId?: string; total: number };
      if (!meta.startAfterId) break;
      path = `/opportunities/search?location_id=${locationId}&limit=100&startAfter=${meta.startAfter}&startAfterId=${meta.startAfterId}`;
    }
    expect(new Set(seen).size).toBe(360);
    const invoices = await callGhl(sandbox, token, 'GET', `/invoices/?altId=${locationId}&altType=location&limit=50&offset=100`);
    expect(invoices.status).toBe(200);
    expect(invoices.body['total']).toBe(120);
    expect((invoices.body['invoices'] as unknown[]).length).toBe(20);
  });
});
