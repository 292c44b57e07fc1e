import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from './sandbox-server.js';
import { authorizeApp, callGhl, exchangeToken } from './sandbox-test-kit.js';
import type { SandboxHandle } from './sandbox.types.js';

type Json = Record<string, unknown>;

/** Behaviour where the sandbox had drifted from GHL (issue 10, point 8), found with the official SDK. */
describe('sandbox behaves like GHL where it drifted', () => {
  let sandbox: SandboxHandle;
  let token: string;
  let locationId: string;

  async function post(path: string, body: unknown): Promise<Json> {
    const response = await fetch(`${sandbox.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await response.json()) as Json;
  }

  async function mintLocationToken(companyToken: string, forLocationId: string): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${sandbox.baseUrl}/oauth/locationToken`, {
      method: 'POST',
      headers: { authorization: `Bearer ${companyToken}`, version: '2021-07-28', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ companyId: sandbox.companyId, locationId: forLocationId }),
    });
    return { status: response.status, body: (await response.json()) as Json };
  }

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 21, locations: 3, contacts: 60 });
    locationId = sandbox.locationIds[0] ?? '';
    token = (await authorizeApp(sandbox, { locationIds: [locationId] })).access_token;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('answers free slots with a traceId key beside the date keys', async () => {
    const calendars = await callGhl(sandbox, token, 'GET', `/calendars/?locationId=${locationId}`);
    const calendarId = (calendars.body['calendars'] as { id: string }[])[0]?.id ?? '';
    const slots = await callGhl(sandbox, token, 'GET', `/calendars/${calendarId}/free-slots?startDate=${Date.UTC(2030, 0, 7)}&endDate=${Date.UTC(2030, 0, 9)}&timezone=America/Chicago`);
    expect(slots.status).toBe(200);
    expect(slots.body['traceId']).toBeTypeOf('string');
    const dateKeys = Object.keys(slots.body).filter((key) => key !== 'traceId');
    expect(dateKeys.length).toBeGreaterThan(0);
    for (const key of dateKeys) expect(key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it('answers the message list flat, as the current spec and the SDK 3.x types do', async () => {
    const sent = await callGhl(sandbox, token, 'POST', '/conversations/messages', { type: 'SMS', contactId: await firstContactId(), message: 'Flat or nested?' });
    const page = await callGhl(sandbox, token, 'GET', `/conversations/${String(sent.body['conversationId'])}/messages?limit=5`);
    expect(page.status).toBe(200);
    expect(Array.isArray(page.body['messages'])).toBe(true);
    expect(page.body['nextPage']).toBeTypeOf('boolean');
    expect(page.body['lastMessageId']).toBeTypeOf('string');
    const nested = await startSandbox({ seed: 21, locations: 1, contacts: 20, quirks: { nestConversationMessages: true } });
    try {
      const nestedToken = (await authorizeApp(nested)).access_token;
      const search = await callGhl(nested, nestedToken, 'GET', `/conversations/search?locationId=${nested.locationIds[0]}&limit=1`);
      const conversationId = (search.body['conversations'] as { id: string }[])[0]?.id ?? '';
      const old = await callGhl(nested, nestedToken, 'GET', `/conversations/${conversationId}/messages`);
      expect(Array.isArray((old.body['messages'] as Json)['messages'])).toBe(true);
    } finally {
      await nested.close();
    }
  });

  it('does not reinstall an uninstalled location when a location token is minted, until a new INSTALL', async () => {
    const target = sandbox.locationIds[2] ?? '';
    const company = await authorizeApp(sandbox, { userType: 'Company' });
    expect((await mintLocationToken(company.access_token, target)).status).toBe(200);
    const before = await mintLocationToken(company.access_token, target);
    const locationToken = String(before.body['access_token']);
    const locationRefresh = String(before.body['refresh_token']);
    const uninstalled = await post('/sandbox/uninstall', { locationId: target });
    expect(uninstalled['uninstalled']).toEqual([target]);

    const minted = await mintLocationToken(company.access_token, target);
    expect(minted.status).toBe(400);
    expect(minted.body['message']).toBe('The app is not installed on this location');
    const installed = await callGhl(sandbox, company.access_token, 'GET', `/oauth/installedLocations?companyId=${sandbox.companyId}&appId=sandbox&locationId=${target}`);
    expect((installed.body['locations'] as { isInstalled: boolean }[])[0]?.isInstalled).toBe(false);
    // No call succeeds for the location: not its old tokens, not the agency token.
    expect((await callGhl(sandbox, locationToken, 'GET', `/locations/${target}`)).status).toBe(401);
    await expect(exchangeToken(sandbox, { grant_type: 'refresh_token', refresh_token: locationRefresh, user_type: 'Location' })).rejects.toThrow(/401/);
    const viaAgency = await callGhl(sandbox, company.access_token, 'GET', `/locations/${target}`);
    expect(viaAgency.status).toBe(403);
    expect((await callGhl(sandbox, company.access_token, 'GET', `/users/search?companyId=${sandbox.companyId}&locationId=${target}`)).status).toBe(403);
    // Another location of the agency is untouched.
    expect((await mintLocationToken(company.access_token, sandbox.locationIds[1] ?? '')).status).toBe(200);

    await post('/sandbox/install', { locationIds: [target] });
    const again = await mintLocationToken(company.access_token, target);
    expect(again.status).toBe(200);
    expect((await callGhl(sandbox, String(again.body['access_token']), 'GET', `/locations/${target}`)).status).toBe(200);
  });

  it('serves the deprecated contact list with its cursor', async () => {
    const seen: string[] = [];
    let path = `/contacts/?locationId=${locationId}&limit=25`;
    for (let guard = 0; guard < 10; guard++) {
      const page = await callGhl(sandbox, token, 'GET', path);
      expect(page.status).toBe(200);
      expect(page.body['count']).toBe(60);
      const contacts = page.body['contacts'] as { id: string; dateAdded: string }[];
      seen.push(...contacts.map((contact) => contact.id));
      const meta = page.body['meta'] as { startAfter?: number; startAfterId?: string };
      if (!meta.startAfterId) break;
      path = `/contacts/?locationId=${locationId}&limit=25&startAfter=${meta.startAfter}&startAfterId=${meta.startAfterId}`;
    }
    expect(seen).toHaveLength(60);
    expect(new Set(seen).size).toBe(60);
    expect((await callGhl(sandbox, token, 'GET', `/contacts/?locationId=${locationId}&limit=101`)).status).toBe(422);
  });

  it('finds a duplicate contact by email, then by phone', async () => {
    const created = await callGhl(sandbox, token, 'POST', '/contacts/', { locationId, firstName: 'Dupe', email: 'dupe.finder@example.com', phone: '+15125550177' });
    const id = (created.body['contact'] as { id: string }).id;
    const byEmail = await callGhl(sandbox, token, 'GET', `/contacts/search/duplicate?locationId=${locationId}&email=${encodeURIComponent('Dupe.Finder@example.com')}`);
    expect(byEmail.status).toBe(200);
    expect((byEmail.body['contact'] as { id: string }).id).toBe(id);
    const byPhone = await callGhl(sandbox, token, 'GET', `/contacts/search/duplicate?locationId=${locationId}&number=${encodeURIComponent('+15125550177')}`);
    expect((byPhone.body['contact'] as { id: string }).id).toBe(id);
    const none = await callGhl(sandbox, token, 'GET', `/contacts/search/duplicate?locationId=${locationId}&email=nobody.here@example.com`);
    expect(none.body['contact']).toBeNull();
    expect((await callGhl(sandbox, token, 'GET', `/contacts/search/duplicate?locationId=${locationId}`)).status).toBe(422);
  });

  it('searches opportunities with POST, by page and by searchAfter', async () => {
    const byPage: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const response = await callGhl(sandbox, token, 'POST', '/opportunities/search', { locationId, limit: 10, page });
      expect(response.status).toBe(200);
      expect(response.body['total']).toBe(18);
      byPage.push(...(response.body['opportunities'] as { id: string }[]).map((opportunity) => opportunity.id));
    }
    const byCursor: string[] = [];
    let searchAfter: unknown;
    for (let guard = 0; guard < 10; guard++) {
      const response = await callGhl(sandbox, token, 'POST', '/opportunities/search', { locationId, limit: 7, ...(searchAfter ? { searchAfter } : {}) });
      const rows = response.body['opportunities'] as { id: string; searchAfter: string[] }[];
      if (rows.length === 0) break;
      byCursor.push(...rows.map((row) => row.id));
      searchAfter = rows[rows.length - 1]?.searchAfter;
    }
    expect(byCursor).toEqual(byPage);
    expect(new Set(byPage).size).toBe(18);
    expect((await callGhl(sandbox, token, 'POST', '/opportunities/search', { limit: 10 })).status).toBe(422);
  });

  it('lists users by location and filters them by email for agency tokens', async () => {
    const byLocation = await callGhl(sandbox, token, 'GET', `/users/?locationId=${locationId}`);
    expect(byLocation.status).toBe(200);
    const users = byLocation.body['users'] as { id: string; email: string; roles: { locationIds: string[] } }[];
    expect(users.length).toBeGreaterThan(0);
    for (const user of users) expect(user.roles.locationIds).toContain(locationId);
    expect((await callGhl(sandbox, token, 'GET', `/users/?locationId=${sandbox.locationIds[1]}`)).status).toBe(403);
    const company = await authorizeApp(sandbox, { userType: 'Company' });
    const emails = users.slice(0, 2).map((user) => user.email).join(',');
    const filtered = await callGhl(sandbox, company.access_token, 'POST', '/users/search/filter-by-email', { companyId: sandbox.companyId, emails });
    expect(filtered.status).toBe(200);
    expect(filtered.body['count']).toBe(Math.min(2, users.length));
    // Without a projection only id and email come back.
    for (const user of filtered.body['users'] as Json[]) expect(Object.keys(user).sort()).toEqual(['email', 'id']);
    const all = await callGhl(sandbox, company.access_token, 'POST', '/users/search/filter-by-email', { companyId: sandbox.companyId, emails, projection: 'all' });
    expect((all.body['users'] as Json[])[0]?.['roles']).toBeDefined();
    expect((await callGhl(sandbox, token, 'POST', '/users/search/filter-by-email', { companyId: sandbox.companyId, emails })).status).toBe(401);
    expect((await callGhl(sandbox, company.access_token, 'POST', '/users/search/filter-by-email', { companyId: sandbox.companyId })).status).toBe(422);
  });

  it('deletes a conversation with its messages', async () => {
    const contactId = await firstContactId();
    const sent = await callGhl(sandbox, token, 'POST', '/conversations/messages', { type: 'SMS', contactId, message: 'About to vanish' });
    const conversationId = String(sent.body['conversationId']);
    const removed = await callGhl(sandbox, token, 'DELETE', `/conversations/${conversationId}`);
    expect(removed.status).toBe(200);
    expect(removed.body['success']).toBe(true);
    expect((await callGhl(sandbox, token, 'GET', `/conversations/${conversationId}`)).status).toBe(404);
    expect((await callGhl(sandbox, token, 'GET', `/conversations/messages/${String(sent.body['messageId'])}`)).status).toBe(404);
    const exported = await callGhl(sandbox, token, 'GET', `/conversations/messages/export?locationId=${locationId}&limit=500&conversationId=${conversationId}`);
    expect(exported.body['total']).toBe(0);
    // The next message opens a new conversation.
    const next = await callGhl(sandbox, token, 'POST', '/conversations/messages', { type: 'SMS', contactId, message: 'Back again' });
    expect(next.body['conversationId']).not.toBe(conversationId);
  });

  it('routes GET /calendars/groups instead of answering "Calendar not found"', async () => {
    const groups = await callGhl(sandbox, token, 'GET', `/calendars/groups?locationId=${locationId}`);
    expect(groups.status).toBe(200);
    expect(groups.body['groups']).toEqual([]);
    expect((await callGhl(sandbox, token, 'GET', `/calendars/groups?locationId=${sandbox.locationIds[1]}`)).status).toBe(403);
  });

  async function firstContactId(): Promise<string> {
    const search = await callGhl(sandbox, token, 'POST', '/contacts/search', { locationId, pageLimit: 1 });
    return (search.body['contacts'] as { id: string }[])[0]?.id ?? '';
  }
});
