import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authorizeApp, startSandbox, type SandboxHandle, type TokenResponse } from '../../../sandbox/index.js';
import { createHttpClient } from '../../../platform/http-client/index.js';
import { GhlClient } from './ghl-client.js';
import { readRateLimitHeaders } from './ghl-http.js';

let sandbox: SandboxHandle;
let tokens: TokenResponse;
let client: GhlClient;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 17, locations: 1, contacts: 10 });
  tokens = await authorizeApp(sandbox);
  const http = createHttpClient({
    defaultTimeoutMs: 5000,
    retry: { maxRetries: 0, baseDelayMs: 10, maxDelayMs: 50, maxRateLimitWaits: 0 },
    rateBudget: { maxPerWindow: 100, windowMs: 10_000, maxPerDay: 200_000 },
    readRateHeaders: readRateLimitHeaders,
  });
  // The sandbox-issued token, handed out as the token store would (refresh is not under test here).
  const accessToken = tokens.access_token;
  client = new GhlClient({ http, apiBaseUrl: sandbox.baseUrl, clientId: sandbox.clientId, tokens: { getAccessToken: () => Promise.resolve(accessToken), refreshAfterUnauthorized: () => Promise.resolve(accessToken) } });
});

afterAll(async () => {
  await sandbox.close();
});

describe('GhlClient', () => {
  it('reads free slots as a map of dates only, skipping the traceId GHL puts beside them', async () => {
    const ghlLocationId = sandbox.locationIds[0] as string;
    const calendars = await client.listCalendars(ghlLocationId);
    if (!calendars.ok) throw new Error(calendars.error.message);
    const calendarId = calendars.data.calendars[0]?.id as string;
    const answer = await client.getFreeSlots(ghlLocationId, calendarId, { startDateMs: Date.UTC(2030, 0, 7), endDateMs: Date.UTC(2030, 0, 9), timezone: 'America/Chicago' });
    if (!answer.ok) throw new Error(answer.error.message);
    const keys = Object.keys(answer.data);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys).not.toContain('traceId');
    for (const key of keys) expect(key).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
