/**
 * `npm run bench:setup` — setup sync of one GHL location with 10,000 contacts, 2,000 opportunities,
 * 1,000 appointments and 500 conversations against the sandbox with 50 ms added latency per request,
 * through the real job runner, token store, rate-governed http client and database.
 *
 * Prints total and per-step seconds, requests, 429s, the time until the location was usable, and
 * the share of the 100-requests-per-10-s budget used while the sync was rate-bound (waiting in the
 * rate governor). Scenario 1 is the product's default (messages by bulk export); scenario 2 fetches
 * the newest messages per conversation (one request each), which is rate-bound by construction.
 *
 * Engine: PGlite in memory by default; BENCH_DATABASE_URL (or DATABASE_URL) = a PostgreSQL server on
 * which a fresh database is created and dropped. Knobs: BENCH_CONTACTS (10000), BENCH_LATENCY_MS (50),
 * BENCH_SCENARIOS ("export,per-conversation").
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startRemoteSandbox, type RemoteSandbox } from './support/remote-sandbox.js';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { authorizeApp, startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { openDatabase, queryRows, runMigrations, type Database } from '../src/platform/db/index.js';
import { MIGRATIONS_FOLDER } from '../src/main/wire.js';
import { KeyRing, generateVaultKey } from '../src/platform/crypto/index.js';
import { createHttpClient, type HttpClient } from '../src/platform/http-client/index.js';
import { generateId } from '../src/platform/ids/ids.js';
import { systemClock } from '../src/platform/clock/clock.js';
import { JobRunner } from '../src/platform/jobs/index.js';
import { createLogger } from '../src/platform/log/index.js';
import { ensureGhlLocation } from '../src/modules/tenants/index.js';
import { createVault } from '../src/modules/vault/index.js';
import { GHL_RATE_BUDGET, GhlClient, GhlOAuthClient, GhlTokenStore, readRateLimitHeaders } from '../src/modules/ghl/index.js';
import { registerSetupSync } from '../src/modules/crm/sync/setup-sync.jobs.js';
import type { InstallReport, SetupSyncSettings } from '../src/modules/crm/index.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 50);
const SCENARIOS = (process.env.BENCH_SCENARIOS ?? 'export,per-conversation').split(',') as SetupSyncSettings['messagesStrategy'][];
const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
/** GHL's documented burst budget per app per location. */
const GHL_BUDGET_PER_WINDOW = 100;
/** What our rate governor is configured with (production wiring: 100). */
const CLIENT_BUDGET_PER_WINDOW = Number(process.env.BENCH_CLIENT_BUDGET ?? GHL_BUDGET_PER_WINDOW);
const WINDOW_MS = 10_000;

interface Wait {
  requestedAt: number;
  grantedAt: number;
}

async function openBenchDatabase(): Promise<{ database: Database; engine: string; drop: () => Promise<void> }> {
  if (!DATABASE_URL) {
    const database = await openDatabase({ engine: 'pglite-memory' });
    return { database, engine: 'PGlite (in memory)', drop: async () => undefined };
  }
  const name = `sb_bench_setup_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ engine: 'postgres', url: url.toString(), poolMax: 10 });
  return {
    database,
    engine: 'PostgreSQL',
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: DATABASE_URL });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** Records how long each request waited in the rate governor (bench instrumentation only). */
function instrumentGovernor(http: HttpClient): Wait[] {
  const waits: Wait[] = [];
  const governor = http.governor;
  if (!governor) throw new Error('the http client has no rate governor');
  const acquire = governor.acquire.bind(governor);
  governor.acquire = async (key: string) => {
    const requestedAt = performance.now();
    await acquire(key);
    waits.push({ requestedAt, grantedAt: performance.now() });
  };
  return waits;
}

/**
 * Rate-bound = from the first request that had to wait in the governor (more than 5 ms) to the last
 * such request's grant: demand exceeded the budget over that span. GHL allows 100 requests per 10 s;
 * used = requests granted in the span over what the span allows.
 */
function measureBudgetUse(waits: readonly Wait[]): { boundSeconds: number; grantedWhileBound: number; share: number | null } {
  const waited = waits.filter((wait) => wait.grantedAt - wait.requestedAt > 5);
  if (waited.length === 0) return { boundSeconds: 0, grantedWhileBound: 0, share: null };
  const start = Math.min(...waited.map((wait) => wait.requestedAt));
  const end = Math.max(...waited.map((wait) => wait.grantedAt));
  const granted = waits.filter((wait) => wait.grantedAt >= start && wait.grantedAt <= end).length;
  const boundMs = Math.max(1, end - start);
  return { boundSeconds: boundMs / 1000, grantedWhileBound: granted, share: granted / ((boundMs / WINDOW_MS) * GHL_BUDGET_PER_WINDOW) };
}

async function runSandboxChild(): Promise<void> {
  const handle = await startSandbox({
    port: 0,
    seed: 42,
    locations: 1,
    contacts: CONTACTS,
    opportunities: Math.round(CONTACTS * 0.2),
    appointments: Math.round(CONTACTS * 0.1),
    conversations: Math.round(CONTACTS * 0.05),
    faults: { latencyMs: LATENCY_MS },
    quirks: { sendLegacyRsaSignature: false },
  });
  const { baseUrl, clientId, clientSecret, companyId, locationIds, authorizeUrl } = handle;
  process.stdout.write(`SANDBOX ${JSON.stringify({ baseUrl, clientId, clientSecret, companyId, locationIds, authorizeUrl })}\n`);
}

async function readSandboxStats(sandbox: RemoteSandbox): Promise<{ requests: number; rateLimited: number }> {
  return (await (await fetch(`${sandbox.baseUrl}/sandbox/stats`)).json()) as { requests: number; rateLimited: number };
}

async function runScenario(strategy: SetupSyncSettings['messagesStrategy']): Promise<void> {
  const { sandbox, child } = await startRemoteSandbox(fileURLToPath(import.meta.url));
  const { database, engine, drop } = await openBenchDatabase();
  const logger = createLogger({ level: 'warn' });
  try {
    await runMigrations(database, MIGRATIONS_FOLDER);
    const http = createHttpClient({
      defaultTimeoutMs: 30_000,
      retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 2000, maxRateLimitWaits: 5 },
      rateBudget: { maxPerWindow: CLIENT_BUDGET_PER_WINDOW, windowMs: GHL_RATE_BUDGET.windowMs, maxPerDay: 200_000 },
      readRateHeaders: readRateLimitHeaders,
    });
    const keyRing = new KeyRing(new Map([['bench', Buffer.from(generateVaultKey(), 'base64')]]), 'bench');
    const vault = createVault({ keyRing, generateId, clock: systemClock });
    const oauth = new GhlOAuthClient({ http, apiBaseUrl: sandbox.baseUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret });
    const tokens = new GhlTokenStore({ database, vault, oauth, clock: systemClock, generateId, logger, refreshWindowSeconds: 300 });
    const client = new GhlClient({ http, apiBaseUrl: sandbox.baseUrl, clientId: sandbox.clientId, tokens });
    const ghlLocationId = sandbox.locationIds[0] as string;
    const token = await authorizeApp(sandbox as SandboxHandle, { userType: 'Location', locationIds: [ghlLocationId] });
    const tenant = await database.system(async (tx) => {
      const ref = await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: sandbox.companyId });
      await tokens.saveTokens(tx, { companyId: ref.companyId, locationId: ref.locationId, userType: 'Location', ghlCompanyId: sandbox.companyId, ghlLocationId, token });
      return ref;
    });
    const waits = instrumentGovernor(http);
    const statsBefore = await readSandboxStats(sandbox);
    const callsBefore = http.callCounts();

    const runner = new JobRunner({ database, logger, settings: { idleMs: 50, leaseSeconds: 30 } });
    const setup = registerSetupSync({ jobs: runner, database, client, generateId, clock: systemClock, logger, settings: { messagesStrategy: strategy } });
    runner.start();
    const startedAt = performance.now();
    await setup.onLocationInstalled({ ...tenant, ghlLocationId });
    let report: InstallReport | undefined;
    for (;;) {
      const [row] = await queryRows<{ status: string; report: InstallReport | null }>(database.db, sql`select status, summary as report from runs where kind = 'setup-sync' and location_id = ${tenant.locationId} order by created_at desc limit 1`);
      if (row && (row.status === 'done' || row.status === 'partial')) {
        report = row.report ?? undefined;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const wallSeconds = (performance.now() - startedAt) / 1000;
    await runner.stop();
    if (!report) throw new Error('no report');

    const calls = http.callCounts();
    let requests = 0;
    let rateLimited = 0;
    for (const [key, value] of calls) {
      const delta = value - (callsBefore.get(key) ?? 0);
      requests += delta;
      if (key.endsWith(' 429')) rateLimited += delta;
    }
    const budget = measureBudgetUse(waits);
    const statsAfter = await readSandboxStats(sandbox);
    const summary = (await (await fetch(`${sandbox.baseUrl}/sandbox/state/summary`)).json()) as { locations: Record<string, number>[] };
    const sandboxCounts = summary.locations[0] ?? {};
    const [local] = await queryRows<Record<string, number>>(
      database.db,
      sql`select (select count(*)::int from contacts) as contacts, (select count(*)::int from opportunities) as opportunities,
        (select count(*)::int from appointments) as appointments, (select count(*)::int from conversations) as conversations, (select count(*)::int from messages) as messages`,
    );

    console.log(`\n== setup sync, messages by ${strategy} (${engine}, sandbox latency ${LATENCY_MS} ms/request, governor ${CLIENT_BUDGET_PER_WINDOW}/10 s)`);
    console.log(`location: ${sandboxCounts['contacts']} contacts, ${sandboxCounts['opportunities']} opportunities, ${sandboxCounts['events']} calendar events, ${sandboxCounts['conversations']} conversations, ${sandboxCounts['messages']} messages`);
    console.log(`synced:   ${local?.['contacts']} contacts, ${local?.['opportunities']} opportunities, ${local?.['appointments']} appointments, ${local?.['conversations']} conversations, ${local?.['messages']} messages`);
    console.log(`grade ${report.grade} (${report.reasons.join('; ')})`);
    console.log(`total: ${report.totalSeconds.toFixed(2)} s (wall from enqueue: ${wallSeconds.toFixed(2)} s); usable after ${report.usableSeconds?.toFixed(2) ?? 'never'} s; slowest step: ${report.slowestStep?.name} (${report.slowestStep?.seconds.toFixed(2)} s)`);
    console.log('step            status   records  requests  seconds');
    for (const step of report.steps) console.log(`${step.name.padEnd(15)} ${step.status.padEnd(8)} ${String(step.records).padStart(7)}  ${String(step.requests).padStart(8)}  ${step.seconds.toFixed(2).padStart(7)}`);
    console.log(`requests made: ${requests} (sandbox saw ${statsAfter.requests - statsBefore.requests}); 429s received: ${rateLimited} (sandbox counted ${statsAfter.rateLimited - statsBefore.rateLimited})`);
    if (budget.share === null) console.log(`rate budget: never rate-bound (${requests} requests, under one ${GHL_BUDGET_PER_WINDOW}-per-10-s window)`);
    else console.log(`rate budget while rate-bound: ${(budget.share * 100).toFixed(1)}% used (${budget.grantedWhileBound} requests in ${budget.boundSeconds.toFixed(2)} s bound)`);
    const targets = [
      [`usable ≤ 2 s`, (report.usableSeconds ?? Infinity) <= 2],
      [`full setup ≤ 30 s`, report.totalSeconds <= 30],
      [`zero 429s`, rateLimited === 0],
      [`≥ 90% of the budget when rate-bound`, budget.share === null ? 'n/a (never rate-bound)' : budget.share >= 0.9],
    ] as const;
    console.log(`targets: ${targets.map(([name, met]) => `${name}: ${met === true ? 'met' : met === false ? 'MISSED' : met}`).join('; ')}`);
  } finally {
    await database.close();
    await drop();
    child.kill('SIGTERM');
  }
}

if (process.argv.includes('--sandbox-child')) await runSandboxChild();
else for (const scenario of SCENARIOS) await runScenario(scenario);
