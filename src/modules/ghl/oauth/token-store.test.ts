import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { authorizeApp, startSandbox, type SandboxHandle } from '../../../sandbox/index.js';
import { createTestDatabasePair, testDatabaseEngine } from '../../../../test/support/test-database.js';
import { spawnScript, waitFor, type SpawnedService } from '../../../../test/support/spawn-service.js';
import { KeyRing, generateVaultKey } from '../../../platform/crypto/index.js';
import { queryRows, refuseInsideTransaction, type Database } from '../../../platform/db/index.js';
import { createHttpClient } from '../../../platform/http-client/index.js';
import { generateId } from '../../../platform/ids/ids.js';
import { createLogger } from '../../../platform/log/index.js';
import { createVault, type Vault } from '../../vault/index.js';
import { ensureGhlLocation } from '../../tenants/index.js';
import { GhlClient } from '../client/ghl-client.js';
import { readRateLimitHeaders } from '../client/ghl-http.js';
import { GhlOAuthClient } from './oauth-client.js';
import { GhlReauthRequiredError, GhlTokenStore } from './token-store.js';

let sandbox: SandboxHandle;
let first: Database;
let second: Database;
let closeDatabases: () => Promise<void>;
/** One clock for the sandbox and our token stores: moving it expires tokens at once, no sleeping. */
let clockOffsetMs = 0;
const testClock = { now: () => new Date(Date.now() + clockOffsetMs) };
/** Moves both clocks past the access tokens' lifetime (an hour, so no token ever expires by itself mid-test). */
const expireAccessTokens = () => {
  clockOffsetMs += ACCESS_TOKEN_TTL_SECONDS * 1000 + 1000;
};
const ACCESS_TOKEN_TTL_SECONDS = 3600;
const vaultKey = generateVaultKey();
const keyRing = new KeyRing(new Map([['k1', Buffer.from(vaultKey, 'base64')]]), 'k1');

function buildStack(database: Database, options: { vault?: Vault } = {}) {
  const http = createHttpClient({
    defaultTimeoutMs: 5000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, maxRateLimitWaits: 3 },
    rateBudget: { maxPerWindow: 100, windowMs: 10_000, maxPerDay: 200_000 },
    readRateHeaders: readRateLimitHeaders,
    guard: refuseInsideTransaction,
  });
  const vault = options.vault ?? createVault({ keyRing, generateId, clock: testClock });
  const oauth = new GhlOAuthClient({ http, apiBaseUrl: sandbox.baseUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret });
  const store = new GhlTokenStore({ database, vault, oauth, clock: testClock, generateId, logger: createLogger({ level: 'silent' }), refreshWindowSeconds: 0, leasePollMs: 20 });
  const client = new GhlClient({ http, apiBaseUrl: sandbox.baseUrl, clientId: sandbox.clientId, tokens: store });
  return { store, client, vault };
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 7, locations: 2, contacts: 5, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS, now: () => testClock.now().getTime() });
  [first, second, closeDatabases] = await createTestDatabasePair();
});

afterAll(async () => {
  await closeDatabases();
  await sandbox.close();
});

async function installLocation(database: Database, store: GhlTokenStore, ghlLocationId: string) {
  const token = await authorizeApp(sandbox, { userType: 'Location', locationIds: [ghlLocationId] });
  await database.system(async (tx) => {
    const tenant = await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: sandbox.companyId });
    await store.saveTokens(tx, { companyId: tenant.companyId, locationId: tenant.locationId, userType: 'Location', ghlCompanyId: sandbox.companyId, ghlLocationId, token });
  });
  return token;
}

describe('GHL token store', () => {
  it('keeps tokens only as ciphertext', async () => {
    const a = buildStack(first);
    const ghlLocationId = sandbox.locationIds[1] as string;
    const token = await installLocation(first, a.store, ghlLocationId);
    const rows = await queryRows<{ ciphertext: string }>(first.db, sql`select ciphertext from vault_secrets`);
    expect(rows.length).toBeGreaterThanOrEqual(2);
    for (const row of rows) {
      expect(row.ciphertext).not.toContain(token.access_token);
      expect(row.ciphertext).not.toContain(token.refresh_token);
    }
    const result = await a.client.getLocation(ghlLocationId);
    expect(result.ok).toBe(true);
  });

  it('refreshes an expired token exactly once for 50 concurrent calls through two connection pools, with no failed call', async () => {
    const ghlLocationId = sandbox.locationIds[0] as string;
    const a = buildStack(first);
    const b = buildStack(second);
    await installLocation(first, a.store, ghlLocationId);
    // The sandbox-issued access token expires, and our own record agrees (one clock).
    expireAccessTokens();

    const calls = Array.from({ length: 50 }, (_, index) => (index % 2 === 0 ? a : b).client.getLocation(ghlLocationId));
    const results = await Promise.all(calls);
    expect(results.filter((result) => !result.ok)).toEqual([]);
    expect(a.store.refreshGrantsSent + b.store.refreshGrantsSent).toBe(1);
    const [row] = await queryRows<{ refreshCount: number; status: string }>(first.db, sql`select refresh_count as "refreshCount", status from ghl_tokens where subject_key = ${`location:${ghlLocationId}`}`);
    expect(row).toEqual({ refreshCount: 1, status: 'active' });
  });

  it('reads a token and its expiry as one version: a refresh stored between the two reads does not look expired and cause a second refresh', async () => {
    const ghlLocationId = sandbox.locationIds[0] as string;
    const subject = { kind: 'location', ghlLocationId } as const;
    // A's vault pauses A's read between the token row and its secret while B refreshes (up to 1 s).
    let pauseForB: (() => Promise<unknown>) | undefined;
    const plain = createVault({ keyRing, generateId, clock: testClock });
    const pausing: Vault = {
      ...plain,
      async readSecret(tx, secretId) {
        const pause = pauseForB;
        pauseForB = undefined;
        if (pause) await Promise.race([pause(), new Promise((resolve) => setTimeout(resolve, 1000))]);
        return plain.readSecret(tx, secretId);
      },
    };
    const a = buildStack(first, { vault: pausing });
    const b = buildStack(second);
    await installLocation(first, a.store, ghlLocationId);
    const [before] = await queryRows<{ refreshCount: number }>(first.db, sql`select refresh_count as "refreshCount" from ghl_tokens where subject_key = ${`location:${ghlLocationId}`}`);
    expireAccessTokens();
    // B's refresh is chained here, outside A's transaction (its call to GHL must not run inside one).
    let startB = () => undefined as void;
    const refreshedByB = new Promise<void>((resolve) => (startB = resolve)).then(() => b.store.getAccessToken(subject));
    pauseForB = () => {
      startB();
      return refreshedByB;
    };
    const tokenOfA = await a.store.getAccessToken(subject);
    const tokenOfB = await refreshedByB;
    expect(tokenOfA).toBe(tokenOfB);
    expect(a.store.refreshGrantsSent + b.store.refreshGrantsSent).toBe(1);
    const [after] = await queryRows<{ refreshCount: number }>(first.db, sql`select refresh_count as "refreshCount" from ghl_tokens where subject_key = ${`location:${ghlLocationId}`}`);
    expect(after).toEqual({ refreshCount: (before?.refreshCount ?? 0) + 1 });
  });

  it('holds no transaction while GHL answers: the database serves others during a slow refresh', async () => {
    const ghlLocationId = sandbox.locationIds[1] as string;
    const subject = `location:${ghlLocationId}`;
    const a = buildStack(first);
    await installLocation(first, a.store, ghlLocationId);
    await first.system((tx) => tx.execute(sql`update ghl_tokens set access_expires_at = now() - interval '1 minute' where subject_key = ${subject}`));
    sandbox.setFaults({ latencyMs: 1500 });
    try {
      const refreshed = a.store.getAccessToken({ kind: 'location', ghlLocationId }).then(() => 'refresh' as const);
      // The lease is visible while the grant is on its way: taken, and committed, before the call.
      await waitFor(async () => {
        const [row] = await queryRows<{ leaseId: string | null }>(first.db, sql`select refresh_lease_id as "leaseId" from ghl_tokens where subject_key = ${subject}`);
        return row?.leaseId ? true : undefined;
      }, 5000, 'the refresh lease');
      // On PGlite (one session) a transaction open across the call would hold this query until GHL answered.
      const probe = first.system((tx) => tx.execute(sql`select 1`)).then(() => 'database' as const);
      expect(await Promise.race([refreshed, probe])).toBe('database');
      expect(await refreshed).toBe('refresh');
    } finally {
      sandbox.setFaults({});
    }
    const [row] = await queryRows<{ leaseId: string | null; leaseUntil: Date | null }>(first.db, sql`select refresh_lease_id as "leaseId", refresh_lease_until as "leaseUntil" from ghl_tokens where subject_key = ${subject}`);
    expect(row).toEqual({ leaseId: null, leaseUntil: null });
    expect(a.store.refreshGrantsSent).toBe(1);
  });

  it('waits out the lease of a refresher that died, then refreshes once', async () => {
    const ghlLocationId = sandbox.locationIds[0] as string;
    const subject = `location:${ghlLocationId}`;
    const a = buildStack(first);
    await installLocation(first, a.store, ghlLocationId);
    const [before] = await queryRows<{ refreshCount: number }>(first.db, sql`select refresh_count as "refreshCount" from ghl_tokens where subject_key = ${subject}`);
    // A process took the lease and died before storing anything.
    const deadLeaseUntil = new Date(testClock.now().getTime() + 1200);
    await first.system((tx) =>
      tx.execute(sql`update ghl_tokens set access_expires_at = now() - interval '1 minute', refresh_lease_id = 'lease_of_a_dead_process', refresh_lease_until = ${deadLeaseUntil.toISOString()}::timestamptz where subject_key = ${subject}`),
    );
    const token = await a.store.getAccessToken({ kind: 'location', ghlLocationId });
    expect(token.length).toBeGreaterThan(0);
    expect(testClock.now().getTime()).toBeGreaterThanOrEqual(deadLeaseUntil.getTime());
    expect(a.store.refreshGrantsSent).toBe(1);
    const [after] = await queryRows<{ refreshCount: number; leaseId: string | null }>(first.db, sql`select refresh_count as "refreshCount", refresh_lease_id as "leaseId" from ghl_tokens where subject_key = ${subject}`);
    expect(after).toEqual({ refreshCount: (before?.refreshCount ?? 0) + 1, leaseId: null });
    expect((await a.client.getLocation(ghlLocationId)).ok).toBe(true);
  });

  // A PGlite data directory opens in one process only, so two processes need PostgreSQL.
  it.skipIf(testDatabaseEngine() === 'pglite')('refreshes once for 50 concurrent calls made by two OS processes, with no failed call (PostgreSQL)', async () => {
    // Tokens that outlive the test: under load, a 2-second token refreshed once could expire again mid-run.
    const longLived = await startSandbox({ port: 0, seed: 11, locations: 1, contacts: 1, accessTokenTtlSeconds: 3600 });
    const ghlLocationId = longLived.locationIds[0] as string;
    const subject = `location:${ghlLocationId}`;
    const processes: SpawnedService[] = [];
    try {
      const token = await authorizeApp(longLived, { userType: 'Location', locationIds: [ghlLocationId] });
      const store = buildStack(first).store;
      await first.system(async (tx) => {
        const tenant = await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: longLived.companyId });
        await store.saveTokens(tx, { companyId: tenant.companyId, locationId: tenant.locationId, userType: 'Location', ghlCompanyId: longLived.companyId, ghlLocationId, token });
      });
      const env = {
        TOKEN_TEST_DATABASE_URL: (first as Database & { url: string }).url,
        TOKEN_TEST_VAULT_KEY: vaultKey,
        TOKEN_TEST_SANDBOX_URL: longLived.baseUrl,
        TOKEN_TEST_CLIENT_ID: longLived.clientId,
        TOKEN_TEST_CLIENT_SECRET: longLived.clientSecret,
        TOKEN_TEST_GHL_LOCATION_ID: ghlLocationId,
        TOKEN_TEST_CALLS: '25',
      };
      processes.push(spawnScript('test/support/ghl-token-caller.ts', env, { stdin: 'pipe' }), spawnScript('test/support/ghl-token-caller.ts', env, { stdin: 'pipe' }));
      await waitFor(async () => (processes.every((child) => child.output().includes('ready\n')) ? true : undefined), 30_000, 'both processes ready');
      // The stored token is past its expiry: every call has to wait for a refresh.
      await first.system((tx) => tx.execute(sql`update ghl_tokens set access_expires_at = now() - interval '1 minute' where subject_key = ${subject}`));
      for (const child of processes) child.process.stdin?.write('go\n');
      const codes = await Promise.all(processes.map((child) => child.exited));
      const reports = processes.map((child) => {
        const line = child.output().split('\n').find((text) => text.startsWith('{'));
        if (!line) throw new Error(`no report from a child process: ${child.output()}`);
        return JSON.parse(line) as { calls: number; failures: string[]; refreshGrantsSent: number; httpCalls: Record<string, number> };
      });
      const [row] = await queryRows<{ refreshCount: number; status: string; leaseId: string | null }>(first.db, sql`select refresh_count as "refreshCount", status, refresh_lease_id as "leaseId" from ghl_tokens where subject_key = ${subject}`);
      // What each process saw (HTTP calls by endpoint and status) and what was stored, should it fail.
      const seen = JSON.stringify({ reports, row });
      expect(codes, seen).toEqual([0, 0]);
      expect(reports.flatMap((report) => report.failures), seen).toEqual([]);
      expect(reports.reduce((sum, report) => sum + report.calls, 0), seen).toBe(50);
      expect(reports.reduce((sum, report) => sum + report.refreshGrantsSent, 0), seen).toBe(1);
      expect(row, seen).toEqual({ refreshCount: 1, status: 'active', leaseId: null });
    } finally {
      for (const child of processes) if (child.process.exitCode === null) child.process.kill();
      // Its sandbox goes away: the token must not stay behind for the scheduled refresh of later tests.
      await first.system((tx) => buildStack(first).store.revokeSubject(tx, subject, 'test finished'));
      await longLived.close();
    }
  });

  it('marks the subject needs_reauth when GHL rejects the refresh token, and says why', async () => {
    const ghlLocationId = sandbox.locationIds[1] as string;
    const a = buildStack(first);
    const token = await installLocation(first, a.store, ghlLocationId);
    // Spend the refresh token outside the store: GHL refresh tokens are single-use.
    const spent = await fetch(`${sandbox.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: sandbox.clientId, client_secret: sandbox.clientSecret, grant_type: 'refresh_token', refresh_token: token.refresh_token, user_type: 'Location' }),
    });
    expect(spent.status).toBe(200);
    expireAccessTokens();
    await expect(a.store.getAccessToken({ kind: 'location', ghlLocationId })).rejects.toThrow(GhlReauthRequiredError);
    const [row] = await queryRows<{ status: string; reason: string }>(first.db, sql`select status, status_reason as reason from ghl_tokens where subject_key = ${`location:${ghlLocationId}`}`);
    expect(row?.status).toBe('needs_reauth');
    expect(row?.reason).toMatch(/invalid_grant/);
    expect(row?.reason).not.toContain(token.refresh_token);

    // Reinstalling clears it.
    await installLocation(first, a.store, ghlLocationId);
    expect((await a.client.getLocation(ghlLocationId)).ok).toBe(true);
  });

  it('the scheduled refresh renews tokens about to expire before anyone calls', async () => {
    const ghlLocationId = sandbox.locationIds[0] as string;
    const a = buildStack(first);
    await installLocation(first, a.store, ghlLocationId);
    expireAccessTokens();
    const summary = await a.store.refreshExpiring();
    expect(summary.refreshed).toBeGreaterThanOrEqual(1);
    expect(summary.failed).toBe(0);
    const [row] = await queryRows<{ expiresAt: Date }>(first.db, sql`select access_expires_at as "expiresAt" from ghl_tokens where subject_key = ${`location:${ghlLocationId}`}`);
    expect(new Date(row?.expiresAt ?? 0).getTime()).toBeGreaterThan(testClock.now().getTime());
    expect((await a.client.getLocation(ghlLocationId)).ok).toBe(true);
  });

  it('revokes: deletes both secrets and refuses further calls', async () => {
    const ghlLocationId = sandbox.locationIds[0] as string;
    const a = buildStack(first);
    await installLocation(first, a.store, ghlLocationId);
    const before = await queryRows<{ total: number }>(first.db, sql`select count(*)::int as total from vault_secrets`);
    await first.system((tx) => a.store.revokeSubject(tx, `location:${ghlLocationId}`, 'uninstalled'));
    const after = await queryRows<{ total: number }>(first.db, sql`select count(*)::int as total from vault_secrets`);
    expect((before[0]?.total ?? 0) - (after[0]?.total ?? 0)).toBe(2);
    await expect(a.store.getAccessToken({ kind: 'location', ghlLocationId })).rejects.toThrow(GhlReauthRequiredError);
  });
});
