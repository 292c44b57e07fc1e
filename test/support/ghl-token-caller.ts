/**
 * A second (or third) OS process for the token single-flight test: it builds the same GHL stack the
 * service builds (its own pool, vault, OAuth client, token store) against a shared PostgreSQL
 * database and the test's sandbox, says `ready`, waits for `go` on stdin, makes CALLS concurrent GHL
 * calls for one location and prints one JSON line with what happened (with the HTTP calls by endpoint
 * and status, so a failed run says whether a 401 or a retried token call caused a second refresh).
 */
import { createInterface } from 'node:readline';
import { KeyRing } from '../../src/platform/crypto/index.js';
import { openDatabase, refuseInsideTransaction } from '../../src/platform/db/index.js';
import { createHttpClient } from '../../src/platform/http-client/index.js';
import { generateId } from '../../src/platform/ids/ids.js';
import { systemClock } from '../../src/platform/clock/clock.js';
import { createLogger } from '../../src/platform/log/index.js';
import { createVault } from '../../src/modules/vault/index.js';
import { GhlClient } from '../../src/modules/ghl/client/ghl-client.js';
import { readRateLimitHeaders } from '../../src/modules/ghl/client/ghl-http.js';
import { GhlOAuthClient } from '../../src/modules/ghl/oauth/oauth-client.js';
import { GhlTokenStore } from '../../src/modules/ghl/oauth/token-store.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const database = await openDatabase({ engine: 'postgres', url: required('TOKEN_TEST_DATABASE_URL'), poolMax: 10 });
const keyRing = new KeyRing(new Map([['k1', Buffer.from(required('TOKEN_TEST_VAULT_KEY'), 'base64')]]), 'k1');
const apiBaseUrl = required('TOKEN_TEST_SANDBOX_URL');
const clientId = required('TOKEN_TEST_CLIENT_ID');
const http = createHttpClient({
  defaultTimeoutMs: 5000,
  retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, maxRateLimitWaits: 3 },
  rateBudget: { maxPerWindow: 100, windowMs: 10_000, maxPerDay: 200_000 },
  readRateHeaders: readRateLimitHeaders,
  guard: refuseInsideTransaction,
});
const vault = createVault({ keyRing, generateId, clock: systemClock });
const oauth = new GhlOAuthClient({ http, apiBaseUrl, clientId, clientSecret: required('TOKEN_TEST_CLIENT_SECRET') });
const store = new GhlTokenStore({ database, vault, oauth, clock: systemClock, generateId, logger: createLogger({ level: 'silent' }), refreshWindowSeconds: 0 });
const client = new GhlClient({ http, apiBaseUrl, clientId, tokens: store });
const ghlLocationId = required('TOKEN_TEST_GHL_LOCATION_ID');
const calls = Number(required('TOKEN_TEST_CALLS'));

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
for await (const line of lines) if (line.trim() === 'go') break;
lines.close();

const results = await Promise.allSettled(Array.from({ length: calls }, () => client.getLocation(ghlLocationId)));
const failures = results.flatMap((result) => {
  if (result.status === 'rejected') return [result.reason instanceof Error ? result.reason.message : String(result.reason)];
  return result.value.ok ? [] : [`${result.value.error.status} ${result.value.error.message}`];
});
const httpCalls = Object.fromEntries(http.callCounts());
process.stdout.write(`${JSON.stringify({ calls, failures, refreshGrantsSent: store.refreshGrantsSent, httpCalls })}\n`);
await database.close();
