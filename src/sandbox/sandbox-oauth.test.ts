import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from './sandbox-server.js';
import { authorizeApp, callGhl, exchangeToken } from './sandbox-test-kit.js';
import type { SandboxHandle } from './sandbox.types.js';

describe('sandbox OAuth and access rules', () => {
  let sandbox: SandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox({ seed: 7, locations: 2, contacts: 30 });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('serves a consent page listing the agency locations', async () => {
    const url = `${sandbox.authorizeUrl}?response_type=code&client_id=${sandbox.clientId}&redirect_uri=${encodeURIComponent('http://127.0.0.1:9/cb')}&state=xyz`;
    const response = await fetch(url);
    const html = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    for (const locationId of sandbox.locationIds) expect(html).toContain(locationId);
    expect(html).toContain('action="/oauth/chooselocation/approve"');
    expect((await fetch(url.replace('/oauth/', '/v2/oauth/'))).status).toBe(200);
  });

  it('redirects with a code and echoes state, then exchanges the code once', async () => {
    const form = new URLSearchParams({ client_id: sandbox.clientId, redirect_uri: 'http://127.0.0.1:9/cb', state: 'opaque-123', locationIds: sandbox.locationIds[0] ?? '' });
    const approval = await fetch(`${sandbox.baseUrl}/oauth/chooselocation/approve`, { method: 'POST', body: form, redirect: 'manual' });
    expect(approval.status).toBe(302);
    const redirect = new URL(approval.headers.get('location') ?? '');
    expect(redirect.searchParams.get('state')).toBe('opaque-123');
    const code = redirect.searchParams.get('code') ?? '';
    const tokens = await exchangeToken(sandbox, { grant_type: 'authorization_code', code, user_type: 'Location' });
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 86399, userType: 'Location', locationId: sandbox.locationIds[0], companyId: sandbox.companyId });
    expect(tokens.access_token.split('.')).toHaveLength(3);
    await expect(exchangeToken(sandbox, { grant_type: 'authorization_code', code })).rejects.toThrow(/401/);
  });

  it('rotates refresh tokens and rejects a reused one', async () => {
    const first = await authorizeApp(sandbox);
    const second = await exchangeToken(sandbox, { grant_type: 'refresh_token', refresh_token: first.refresh_token, user_type: 'Location' });
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await expect(exchangeToken(sandbox, { grant_type: 'refresh_token', refresh_token: first.refresh_token })).rejects.toThrow(/401/);
    const third = await exchangeToken(sandbox, { grant_type: 'refresh_token', refresh_token: second.refresh_token });
    expect(third.access_token).toBeTruthy();
  });

  it('rejects a wrong client secret and answers 422 with a message array for a missing grant_type', async () => {
    const wrong = await fetch(`${sandbox.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sandbox.clientId, client_secret: 'nope', grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(wrong.status).toBe(401);
    const missing = await fetch(`${sandbox.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sandbox.clientId, client_secret: sandbox.clientSecret }),
    });
    expect(missing.status).toBe(422);
    const body = (await missing.json()) as { message: string[]; statusCode: number };
    expect(body.statusCode).toBe(422);
    expect(body.message).toContain('grant_type should not be empty');
  });

  it('mints location tokens from a company token and lists installed locations', async () => {
    const company = await authorizeApp(sandbox, { userType: 'Company' });
    expect(company.userType).toBe('Company');
    expect(company.locationId).toBeUndefined();
    const installed = await callGhl(sandbox, company.access_token, 'GET', `/oauth/installedLocations?companyId=${sandbox.companyId}&appId=sandbox&isInstalled=true`);
    expect(installed.status).toBe(200);
    expect((installed.body['locations'] as unknown[]).length).toBe(2);
    const minted = await fetch(`${sandbox.baseUrl}/oauth/locationToken`, {
      method: 'POST',
      headers: { authorization: `Bearer ${company.access_token}`, version: '2021-07-28', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ companyId: sandbox.companyId, locationId: sandbox.locationIds[1] ?? '' }),
    });
    expect(minted.status).toBe(200);
    const location = (await minted.json()) as { access_token: string; locationId: string };
    expect(location.locationId).toBe(sandbox.locationIds[1]);
    const contacts = await callGhl(sandbox, location.access_token, 'POST', '/contacts/search', { locationId: sandbox.locationIds[1], pageLimit: 5 });
    expect(contacts.status).toBe(200);
    // A company token cannot call a location-only endpoint.
    const denied = await callGhl(sandbox, company.access_token, 'POST', '/contacts/search', { locationId: sandbox.locationIds[1], pageLimit: 5 });
    expect(denied.status).toBe(401);
  });

  it('scopes a location token to its own location (403 elsewhere)', async () => {
    const tokens = await authorizeApp(sandbox, { locationIds: [sandbox.locationIds[0] ?? ''] });
    const own = await callGhl(sandbox, tokens.access_token, 'GET', `/locations/${sandbox.locationIds[0]}`);
    expect(own.status).toBe(200);
    const other = await callGhl(sandbox, tokens.access_token, 'GET', `/locations/${sandbox.locationIds[1]}`);
    expect(other.status).toBe(403);
    expect(other.body['message']).toBe('The token does not have access to this location.');
    const searchOther = await callGhl(sandbox, tokens.access_token, 'POST', '/contacts/search', { locationId: sandbox.locationIds[1], pageLimit: 1 });
    expect(searchOther.status).toBe(403);
    const otherTokens = await authorizeApp(sandbox, { locationIds: [sandbox.locationIds[1] ?? ''] });
    const otherContacts = await callGhl(sandbox, otherTokens.access_token, 'POST', '/contacts/search', { locationId: sandbox.locationIds[1], pageLimit: 1 });
    const otherContactId = (otherContacts.body['contacts'] as { id: string }[])[0]?.id ?? '';
    expect((await callGhl(sandbox, tokens.access_token, 'GET', `/contacts/${otherContactId}`)).status).toBe(403);
    expect((await callGhl(sandbox, otherTokens.access_token, 'GET', `/contacts/${otherContactId}`)).status).toBe(200);
  });

  it('answers missing token, wrong Version, missing Version and unknown ids like GHL', async () => {
    const tokens = await authorizeApp(sandbox);
    expect((await callGhl(sandbox, undefined, 'GET', `/locations/${sandbox.locationIds[0]}`)).status).toBe(401);
    const noVersion = await callGhl(sandbox, tokens.access_token, 'GET', `/locations/${sandbox.locationIds[0]}`, undefined, null);
    expect(noVersion.status).toBe(400);
    const wrongVersion = await callGhl(sandbox, tokens.access_token, 'GET', `/calendars/?locationId=${sandbox.locationIds[0]}`, undefined, '2020-01-01');
    expect(wrongVersion.status).toBe(400);
    const sdkVersion = await callGhl(sandbox, tokens.access_token, 'GET', `/calendars/?locationId=${sandbox.locationIds[0]}`, undefined, '2023-02-21');
    expect(sdkVersion.status).toBe(200);
    // GHL accepts any supported version on any family; the SDK's README sets 2021-07-28 globally.
    const readmeVersion = await callGhl(sandbox, tokens.access_token, 'GET', `/calendars/?locationId=${sandbox.locationIds[0]}`, undefined, '2021-07-28');
    expect(readmeVersion.status).toBe(200);
    const conversations = await callGhl(sandbox, tokens.access_token, 'GET', `/conversations/search?locationId=${sandbox.locationIds[0]}`, undefined, '2021-07-28');
    expect(conversations.status).toBe(200);
    const locationOnCalendarVersion = await callGhl(sandbox, tokens.access_token, 'GET', `/locations/${sandbox.locationIds[0]}`, undefined, '2021-04-15');
    expect(locationOnCalendarVersion.status).toBe(200);
    const v3 = await callGhl(sandbox, tokens.access_token, 'GET', `/calendars/?locationId=${sandbox.locationIds[0]}`, undefined, 'v3');
    expect(v3.status).toBe(400);
    expect(v3.body['message']).toMatch(/not available in API version v3/);
    const unknown = await callGhl(sandbox, tokens.access_token, 'GET', '/contacts/doesNotExist00000000');
    // See SandboxQuirks.notFoundStatus: 404 per ghl-api.md §8, 400 on request.
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, message: 'Contact not found' });
    expect(unknown.body['traceId']).toBeTypeOf('string');
  });

  it('accepts only the spec value per family when acceptEverySupportedVersion is off', async () => {
    const strict = await startSandbox({ seed: 7, locations: 1, contacts: 5, quirks: { acceptEverySupportedVersion: false } });
    try {
      const tokens = await authorizeApp(strict);
      const wrongVersion = await callGhl(strict, tokens.access_token, 'GET', `/calendars/?locationId=${strict.locationIds[0]}`, undefined, '2021-07-28');
      expect(wrongVersion.status).toBe(400);
      expect((await callGhl(strict, tokens.access_token, 'GET', `/calendars/?locationId=${strict.locationIds[0]}`)).status).toBe(200);
    } finally {
      await strict.close();
    }
  });

  it('expires access tokens after the configured TTL', async () => {
    // The sandbox's own clock moves; nothing sleeps.
    let offsetMs = 0;
    const shortLived = await startSandbox({ seed: 7, locations: 1, contacts: 5, accessTokenTtlSeconds: 60, now: () => Date.now() + offsetMs });
    try {
      const tokens = await authorizeApp(shortLived);
      expect(tokens.expires_in).toBe(60);
      expect((await callGhl(shortLived, tokens.access_token, 'GET', `/locations/${shortLived.locationIds[0]}`)).status).toBe(200);
      offsetMs += 60_001;
      const expired = await callGhl(shortLived, tokens.access_token, 'GET', `/locations/${shortLived.locationIds[0]}`);
      expect(expired.status).toBe(401);
    } finally {
      await shortLived.close();
    }
  });

  it('enforces 100 requests per 10 s per location and sends the five X-RateLimit headers', async () => {
    const limited = await startSandbox({ seed: 7, locations: 2, contacts: 5, rateLimits: { burstMax: 5 } });
    try {
      const first = await authorizeApp(limited, { locationIds: [limited.locationIds[0] ?? ''] });
      const second = await authorizeApp(limited, { locationIds: [limited.locationIds[1] ?? ''] });
      const statuses: number[] = [];
      let lastHeaders = new Headers();
      for (let i = 0; i < 7; i++) {
        const response = await callGhl(limited, first.access_token, 'GET', `/locations/${limited.locationIds[0]}`);
        statuses.push(response.status);
        lastHeaders = response.headers;
      }
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      expect(lastHeaders.get('x-ratelimit-max')).toBe('5');
      expect(lastHeaders.get('x-ratelimit-remaining')).toBe('0');
      expect(lastHeaders.get('x-ratelimit-interval-milliseconds')).toBe('10000');
      expect(lastHeaders.get('x-ratelimit-limit-daily')).toBe('200000');
      expect(lastHeaders.get('x-ratelimit-daily-remaining')).toBe('199995');
      // The budget is per location: the other location is untouched.
      expect((await callGhl(limited, second.access_token, 'GET', `/locations/${limited.locationIds[1]}`)).status).toBe(200);
      expect(limited.stats().rateLimited).toBe(2);
    } finally {
      await limited.close();
    }
  });

  it('injects faults: 5xx share, 429 storm and token revocation', async () => {
    const tokens = await authorizeApp(sandbox);
    const path = `/locations/${sandbox.locationIds[0]}`;
    sandbox.setFaults({ serverErrorRate: 1, serverErrorStatus: 503 }, sandbox.locationIds[0]);
    expect((await callGhl(sandbox, tokens.access_token, 'GET', path)).status).toBe(503);
    sandbox.setFaults({ rateLimitStormRate: 1 }, sandbox.locationIds[0]);
    expect((await callGhl(sandbox, tokens.access_token, 'GET', path)).status).toBe(429);
    sandbox.setFaults({}, sandbox.locationIds[0]);
    expect((await callGhl(sandbox, tokens.access_token, 'GET', path)).status).toBe(200);
    const viaHttp = await fetch(`${sandbox.baseUrl}/sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locationId: sandbox.locationIds[0], revokeTokens: true }) });
    expect(viaHttp.status).toBe(200);
    expect((await callGhl(sandbox, tokens.access_token, 'GET', path)).status).toBe(401);
    await expect(exchangeToken(sandbox, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).rejects.toThrow(/401/);
  });
});
