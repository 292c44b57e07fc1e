/**
 * `npm run bench:million` — one location with 1,000,000 contacts (issue 14 point 7).
 *
 * Part "search", per engine: the sandbox generator makes the location's contacts (seed 42), they are
 * loaded through the CRM's batch applier (the mapping and rules setup sync uses, one multi-row upsert
 * per 1,000 contacts, two transactions at a time on PostgreSQL), then VACUUM ANALYZE. List and search
 * are timed through the real HTTP API (the wired app, `app.inject`, a JWT of the agency admin):
 *   before — the contact_search migration's indexes dropped (this code, no new indexes), plus main's statements
 *            (ILIKE on contacts under RLS, exact count) timed in a tenant transaction;
 *   after  — the indexes rebuilt with the migration's own statements (each build timed), ANALYZE.
 * It prints p50/p95/p99 per query kind and the plans (EXPLAIN ANALYZE) of the statements behind them.
 *
 * Part "sync": the sandbox in its own process with BENCH_SYNC_CONTACTS contacts (and 20 % as many
 * opportunities, 50 ms latency per request), the wired app installs it, the real job runner runs the
 * setup sync through the rate-governed client (100 requests / 10 s), then BENCH_RECONCILE_CHANGED
 * contacts are imported in the sandbox without webhooks and a reconciliation is requested through
 * `POST /api/sync/reconciliation/:locationId`. Requests, seconds and the budget they need are printed,
 * with the figures extrapolated to 1,000,000 contacts when the run was smaller (said so).
 *
 * Engines: BENCH_DATABASE_URL (or DATABASE_URL) = a PostgreSQL server, on which fresh databases are
 * created and dropped; PGlite runs in a temporary data directory (a million rows do not fit its
 * in-memory file system). Knobs: BENCH_CONTACTS (1000000), BENCH_ENGINES ("postgres,pglite" with a
 * URL, else "pglite"), BENCH_PARTS ("search,sync"), BENCH_SAMPLES (30 per query kind),
 * BENCH_KIND_BUDGET_S (45: a kind stops sampling after this long, at least 5 samples),
 * BENCH_SYNC_CONTACTS (100000), BENCH_SYNC_ENGINE (postgres with a URL, else pglite),
 * BENCH_RECONCILE_CHANGED (10000), BENCH_LATENCY_MS (50).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRemoteSandbox, type RemoteSandbox } from './support/remote-sandbox.js';
import pg from 'pg';
import { sql, type SQL } from 'drizzle-orm';
import { loadConfig } from '../src/config/index.js';
import { KeyRing, generateVaultKey } from '../src/platform/crypto/index.js';
import { openDatabase, queryRows, runMigrations, type Database, type TenantScope } from '../src/platform/db/index.js';
import { generateId } from '../src/platform/ids/ids.js';
import { systemClock } from '../src/platform/clock/clock.js';
import { createLogger } from '../src/platform/log/index.js';
import { MIGRATIONS_FOLDER, wireApp, type Wired } from '../src/main/wire.js';
import { ensureGhlLocation } from '../src/modules/tenants/index.js';
import { createCrmBatchAppliers, enqueueSetupSync, type InstallReport, type ReconciliationView } from '../src/modules/crm/index.js';
import { buildContactListQueries, keysetPartsAfter, sortKeyOf, type ContactListKey } from '../src/modules/crm/crm-read.repo.js';
import { encodeContactCursor } from '../src/modules/crm/contact-cursor.js';
import type { WebhookEvent } from '../src/modules/webhooks/index.js';
import { authorizeApp, startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { generateSandboxData } from '../src/sandbox/data-generator.js';
import { toContactJson } from '../src/sandbox/contacts.routes.js';
import { SeededRandom } from '../src/sandbox/random.js';
import type { Contact } from '../src/sandbox/sandbox-store.js';

const env = process.env;
const CONTACTS = Number(env.BENCH_CONTACTS ?? 1_000_000);
const DATABASE_URL = env.BENCH_DATABASE_URL ?? env.DATABASE_URL;
const ENGINES = (env.BENCH_ENGINES ?? (DATABASE_URL ? 'postgres,pglite' : 'pglite')).split(',') as Engine[];
const PARTS = (env.BENCH_PARTS ?? 'search,sync').split(',');
const SAMPLES = Number(env.BENCH_SAMPLES ?? 30);
const KIND_BUDGET_MS = Number(env.BENCH_KIND_BUDGET_S ?? 45) * 1000;
const SYNC_CONTACTS = Number(env.BENCH_SYNC_CONTACTS ?? 100_000);
const SYNC_ENGINE = (env.BENCH_SYNC_ENGINE ?? (DATABASE_URL ? 'postgres' : 'pglite')) as Engine;
const RECONCILE_CHANGED = Number(env.BENCH_RECONCILE_CHANGED ?? 10_000);
const LATENCY_MS = Number(env.BENCH_LATENCY_MS ?? 50);
const SEED = 42;
const LOAD_CHUNK = 1_000;
/** The migration with the search indexes, found by name (the lead renumbers migrations on merge). */
const SEARCH_MIGRATION = join(MIGRATIONS_FOLDER, readdirSync(MIGRATIONS_FOLDER).find((file) => file.endsWith('_contact_search.sql')) ?? 'contact_search.sql');
/** GHL's documented burst budget per app per location, and the page sizes setup sync uses. */
const GHL_BUDGET = { requests: 100, windowSeconds: 10 };
const TARGET_CONTACTS = 1_000_000;

type Engine = 'postgres' | 'pglite';

const logger = createLogger({ level: 'warn' });
const log = (line: string) => console.log(line);

// ---------- databases and the wired app ----------

interface BenchDatabase {
  database: Database;
  label: string;
  close(): Promise<void>;
}

async function openBenchDatabase(engine: Engine, purpose: string): Promise<BenchDatabase> {
  if (engine === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), `sb-bench-${purpose}-`));
    const database = await openDatabase({ engine: 'pglite', dataDir: dir });
    return {
      database,
      label: 'PGlite (data directory on disk)',
      async close() {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (!DATABASE_URL) throw new Error('the postgres engine needs BENCH_DATABASE_URL or DATABASE_URL');
  const name = `sb_bench_${purpose}_${randomBytes(4).toString('hex')}`;
  await withAdmin((client) => client.query(`create database ${name}`));
  const url = new URL(DATABASE_URL);
  url.pathname = `/${name}`;
  const database = await openDatabase({ engine: 'postgres', url: url.toString(), poolMax: 10 });
  const [version] = await queryRows<{ version: string }>(database.db, sql`select current_setting('server_version') as version`);
  return {
    database,
    label: `PostgreSQL ${version?.version ?? '?'}`,
    async close() {
      await database.close();
      await withAdmin((client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function wire(database: Database, sandbox?: RemoteSandbox): Promise<Wired> {
  const loaded = loadConfig({ NODE_ENV: 'development', LOG_LEVEL: 'warn', REGISTER_MAX_ATTEMPTS_PER_IP: '1000' });
  const config = sandbox
    ? { ...loaded, webhooks: { ...loaded.webhooks, ghlEd25519PublicKeyPem: sandbox.webhookPublicKeys.ed25519Pem, ghlRsaPublicKeyPem: sandbox.webhookPublicKeys.rsaPem } }
    : loaded;
  const wired = await wireApp({
    config,
    database,
    logger,
    jwtSecret: 'bench-secret-that-is-at-least-32-characters-long',
    keyRing: new KeyRing(new Map([['bench', Buffer.from(generateVaultKey(), 'base64')]]), 'bench'),
    ...(sandbox
      ? { ghl: { apiBaseUrl: sandbox.baseUrl, authorizeUrl: sandbox.authorizeUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, redirectUri: 'http://127.0.0.1:9/api/oauth/callback' } }
      : {}),
  });
  await wired.app.ready();
  return wired;
}

/** An agency admin registered through the API; the agency is made the GHL agency `ghlCompanyId`. */
async function registerAgency(wired: Wired, ghlCompanyId: string): Promise<{ token: string; companyId: string }> {
  const response = await wired.app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email: `bench-${randomBytes(4).toString('hex')}@example.test`, password: 'bench-password-123', name: 'Bench', companyName: 'Bench Agency' },
  });
  if (response.statusCode !== 201) throw new Error(`register failed: ${response.body}`);
  const session = response.json<{ token: string; user: { companyId: string } }>();
  // Fixture (as test/crm-api-kit.ts): the installed GHL location joins this agency.
  await wired.database.system((tx) => tx.execute(sql`update companies set ghl_company_id = ${ghlCompanyId} where id = ${session.user.companyId}`));
  return { token: session.token, companyId: session.user.companyId };
}

// ---------- measuring ----------

function percentile(sorted: readonly number[], share: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(share * sorted.length) - 1))] as number;
}

interface Timing {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  /** total and X-Total-Exact of the first sample. */
  total: number | undefined;
  isExact: string | undefined;
}

function summarize(durations: number[], first?: { total?: number; isExact?: string }): Timing {
  const sorted = [...durations].sort((a, b) => a - b);
  return { n: sorted.length, p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95), p99: percentile(sorted, 0.99), total: first?.total, isExact: first?.isExact };
}

const ms = (value: number) => (Number.isNaN(value) ? '–' : value >= 100 ? value.toFixed(0) : value.toFixed(1));
const formatTiming = (timing: Timing | undefined) => (timing ? `${ms(timing.p50)} / ${ms(timing.p95)} / ${ms(timing.p99)} (n=${timing.n})` : '–');

interface ListInput {
  q?: string;
  tag?: string;
  sort?: 'dateAdded' | 'updatedAt';
  order?: 'asc' | 'desc';
  offset?: number;
  /** Read the page at `offset` by the cursor of the row before it (`after`), not by the offset. */
  byCursor?: boolean;
}

interface QueryKind {
  name: string;
  /** The i-th sample's query (different terms and pages, so one cached answer is not all we time). */
  input(index: number): ListInput;
}

function toQueryString(input: ListInput, after?: string): string {
  const params = new URLSearchParams({ limit: '50' });
  const { byCursor, ...query } = input;
  for (const [key, value] of Object.entries(query)) if (value !== undefined && !(byCursor && key === 'offset')) params.set(key, String(value));
  if (after !== undefined) params.set('after', after);
  return params.toString();
}

/** The key of the row just before `input.offset` in the list's order (untimed setup of a cursor sample). */
async function keyBefore(database: Database, locationId: string, input: ListInput): Promise<ContactListKey> {
  const column = input.sort === 'updatedAt' ? sql`source_updated_at` : sql`date_added`;
  const direction = input.order === 'asc' ? sql`asc nulls first` : sql`desc nulls last`;
  const [row] = await queryRows<{ value: string | null; id: string }>(
    database.db,
    sql`select ${sortKeyOf(column)} as value, id from contacts
      where location_id = ${locationId} and deleted_at is null order by ${column} ${direction}, id ${input.order === 'asc' ? sql`asc` : sql`desc`} offset ${(input.offset ?? 1) - 1} limit 1`,
  );
  if (!row) throw new Error(`no contact at offset ${input.offset}`);
  return row;
}

/** The i-th deep page's offset, within the list when a small run (BENCH_CONTACTS) has fewer rows. */
const deepOffset = (index: number) => Math.min(10_000 + index * 3_000, Math.max(1, CONTACTS - 50));

/** Query kinds with terms taken from the generated contacts (a seeded pick, so every run asks the same). */
function createQueryKinds(contacts: readonly Contact[]): QueryKind[] {
  const random = new SeededRandom(7);
  const picks = Array.from({ length: SAMPLES }, () => contacts[random.nextInt(0, contacts.length)] as Contact);
  const tags = ['lead', 'customer', 'vip', 'newsletter', 'referral', 'hot', 'cold', 'webinar'];
  const at = <T>(list: readonly T[], index: number) => list[index % list.length] as T;
  const national = (phone: string) => phone.slice(2);
  return [
    { name: 'list, newest first (pages 1–30)', input: (i) => ({ offset: i * 50 }) },
    { name: 'list, updatedAt ascending', input: (i) => ({ sort: 'updatedAt', order: 'asc', offset: i * 50 }) },
    { name: 'list, deep page (offset 10k–97k)', input: (i) => ({ offset: deepOffset(i) }) },
    { name: 'list, deep page by cursor (10k–97k)', input: (i) => ({ offset: deepOffset(i), byCursor: true }) },
    { name: 'tag filter', input: (i) => ({ tag: at(tags, i), offset: (i % 5) * 50 }) },
    { name: 'name, partial (4 letters)', input: (i) => ({ q: at(picks, i).lastName.slice(1, 5).toUpperCase() }) },
    { name: 'name, first + last', input: (i) => ({ q: `${at(picks, i).firstName} ${at(picks, i).lastName}`.toLowerCase() }) },
    { name: 'email, exact', input: (i) => ({ q: at(picks, i).email.toUpperCase() }) },
    { name: 'email, partial', input: (i) => ({ q: (at(picks, i).email.split('@')[0] as string).slice(3) }) },
    { name: 'phone, exact (E.164)', input: (i) => ({ q: at(picks, i).phone }) },
    { name: 'phone, partial (last 7 digits)', input: (i) => ({ q: at(picks, i).phone.slice(-7) }) },
    {
      name: 'phone, typed "(512) 555-0199"',
      input: (i) => {
        const digits = national(at(picks, i).phone);
        return { q: `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}` };
      },
    },
    { name: 'no match', input: (i) => ({ q: `zqx${i}k` }) },
    { name: 'two letters (word start)', input: (i) => ({ q: at(picks, i).firstName.slice(0, 2) }) },
    { name: 'two letters, rare', input: (i) => ({ q: at(['qz', 'xq', 'zx', 'vq', 'jq'], i) }) },
  ];
}

async function timeKinds(wired: Wired, token: string, locationId: string, kinds: readonly QueryKind[], phase: string): Promise<Map<string, Timing>> {
  const results = new Map<string, Timing>();
  for (const kind of kinds) {
    const durations: number[] = [];
    let first: { total?: number; isExact?: string } | undefined;
    const startedAt = performance.now();
    for (let index = 0; index < SAMPLES; index++) {
      const input = kind.input(index);
      const after = input.byCursor ? encodeContactCursor(input.sort ?? 'dateAdded', input.order ?? 'desc', await keyBefore(wired.database, locationId, input)) : undefined;
      const url = `/api/locations/${locationId}/contacts?${toQueryString(input, after)}`;
      const began = performance.now();
      const response = await wired.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
      durations.push(performance.now() - began);
      if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      if (!first) {
        const header = response.headers['x-total-exact'];
        first = { total: response.json<{ total: number }>().total, ...(typeof header === 'string' ? { isExact: header } : {}) };
      }
      if (durations.length >= 5 && performance.now() - startedAt > KIND_BUDGET_MS) break;
    }
    const timing = summarize(durations, first);
    results.set(kind.name, timing);
    log(`  ${phase.padEnd(6)} ${kind.name.padEnd(34)} ${formatTiming(timing)} ms  total ${timing.total}${timing.isExact === 'false' ? ' (lower bound)' : ''}`);
  }
  return results;
}

/** main's selectContacts before this change (commit 33cb5ca), timed as SQL in a tenant transaction. */
async function timeMainStatements(database: Database, scope: TenantScope, locationId: string, kinds: readonly QueryKind[]): Promise<Map<string, Timing>> {
  const results = new Map<string, Timing>();
  const samples = 3;
  for (const kind of kinds) {
    const durations: number[] = [];
    for (let index = 0; index < samples; index++) {
      const input = kind.input(index);
      const pattern = input.q === undefined ? undefined : `%${input.q.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      const where = sql.join(
        [
          sql`location_id = ${locationId} and deleted_at is null`,
          ...(pattern === undefined ? [] : [sql`(full_name ilike ${pattern} or concat_ws(' ', first_name, last_name) ilike ${pattern} or email ilike ${pattern} or phone ilike ${pattern})`]),
          ...(input.tag === undefined ? [] : [sql`${input.tag} = any(tags)`]),
        ],
        sql` and `,
      );
      const order = input.order === 'asc' ? sql`asc nulls first` : sql`desc nulls last`;
      const column = input.sort === 'updatedAt' ? sql`source_updated_at` : sql`date_added`;
      const began = performance.now();
      await database.tenant(scope, async (tx) => {
        await tx.execute(sql`select * from contacts where ${where} order by ${column} ${order}, id ${input.order === 'asc' ? sql`asc` : sql`desc`} limit 50 offset ${input.offset ?? 0}`);
        await tx.execute(sql`select count(*) from contacts where ${where}`);
      });
      durations.push(performance.now() - began);
    }
    const timing = summarize(durations);
    results.set(kind.name, timing);
    log(`  main   ${kind.name.padEnd(34)} ${formatTiming(timing)} ms`);
  }
  return results;
}

/** Node types and index names of a plan, and its execution time. */
async function explainPlan(database: Database, scope: TenantScope, statement: SQL): Promise<string> {
  return database.tenant(scope, async (tx) => {
    const [row] = await queryRows<{ 'QUERY PLAN': unknown }>(tx, sql`explain (analyze, format json) ${statement}`);
    const raw = row?.['QUERY PLAN'];
    const [parsed] = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: Record<string, unknown>; 'Execution Time': number }[];
    const nodes: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      const index = node['Index Name'] ? ` ${String(node['Index Name'])}` : '';
      const relation = !index && node['Relation Name'] ? ` on ${String(node['Relation Name'])}` : '';
      nodes.push(`${String(node['Node Type'])}${index}${relation}`);
      for (const child of (node['Plans'] as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    if (parsed) walk(parsed.Plan);
    return `${nodes.join(' > ')} [${parsed?.['Execution Time'].toFixed(1)} ms]`;
  });
}

async function printPlans(database: Database, scope: TenantScope, locationId: string, kinds: readonly QueryKind[]): Promise<void> {
  for (const kind of kinds) {
    const input = kind.input(0);
    const list = { limit: 50, offset: input.offset ?? 0, includeDeleted: false, sort: input.sort ?? 'dateAdded', order: input.order ?? 'desc', q: input.q, tag: input.tag } as const;
    const after = input.byCursor ? await keyBefore(database, locationId, input) : undefined;
    const queries = after === undefined ? buildContactListQueries(database.db, locationId, list) : buildContactListQueries(database.db, locationId, { ...list, offset: 0, after }, keysetPartsAfter(list.order, after)[0]);
    const page = queries.ids ?? queries.page.getSQL();
    log(`  ${kind.name}`);
    log(`    page:  ${await explainPlan(database, scope, page)}`);
    log(`    count: ${await explainPlan(database, scope, queries.count)}`);
  }
}

// ---------- part "search" ----------

function readIndexStatements(): { name: string; statement: string }[] {
  return readFileSync(SEARCH_MIGRATION, 'utf8')
    .split('--> statement-breakpoint')
    .map((part) => part.split('\n').filter((line) => !line.startsWith('--')).join('\n').trim())
    .filter((statement) => statement.startsWith('CREATE INDEX'))
    .map((statement) => ({ name: /CREATE INDEX "([^"]+)"/.exec(statement)?.[1] ?? '?', statement }));
}

async function loadContacts(bench: BenchDatabase, ghlLocationId: string, contacts: readonly Contact[]): Promise<number> {
  const appliers = createCrmBatchAppliers({ generateId, clock: systemClock });
  const receivedAt = new Date();
  const toEvent = (contact: Contact): WebhookEvent => ({
    id: '0',
    provider: 'ghl',
    eventType: 'ContactUpdate',
    deliveryId: `bench:${contact.id}`,
    ghlLocationId,
    ghlCompanyId: null,
    payload: { ...toContactJson(contact), locationId: ghlLocationId },
    receivedAt,
    attempt: 1,
    orderingKey: null,
    occurredAt: null,
  });
  const startedAt = performance.now();
  let next = 0;
  let loaded = 0;
  let reported = 0;
  const worker = async () => {
    for (;;) {
      const start = next;
      next += LOAD_CHUNK;
      if (start >= contacts.length) return;
      const events = contacts.slice(start, start + LOAD_CHUNK).map(toEvent);
      await bench.database.system((tx) => appliers.contacts(tx, events));
      loaded += events.length;
      if (loaded - reported >= 100_000) {
        reported = loaded;
        log(`  loaded ${loaded.toLocaleString('en-US')} (${((performance.now() - startedAt) / 1000).toFixed(0)} s)`);
      }
    }
  };
  await Promise.all(Array.from({ length: bench.database.engine === 'postgres' ? 2 : 1 }, worker));
  return (performance.now() - startedAt) / 1000;
}

async function runSearchPart(engine: Engine): Promise<void> {
  const bench = await openBenchDatabase(engine, 'million');
  log(`\n== ${CONTACTS.toLocaleString('en-US')} contacts in one location, list and search (${bench.label})`);
  let wired: Wired | undefined;
  try {
    await runMigrations(bench.database, MIGRATIONS_FOLDER);
    wired = await wire(bench.database);
    const generatedAt = performance.now();
    const store = generateSandboxData(SEED, { locations: 1, contacts: CONTACTS, opportunities: 0, appointments: 0, conversations: 0, invoices: 0 });
    const ghlLocationId = [...store.locations.keys()][0] as string;
    const contacts = [...(store.getLocationData(ghlLocationId)?.contacts.values() ?? [])];
    log(`  generated ${contacts.length.toLocaleString('en-US')} contacts in ${((performance.now() - generatedAt) / 1000).toFixed(1)} s (heap ${(process.memoryUsage().heapUsed / 2 ** 30).toFixed(1)} GiB)`);
    const agency = await registerAgency(wired, store.company.id);
    const tenant = await bench.database.system((tx) => ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: store.company.id }));
    if (tenant.companyId !== agency.companyId) throw new Error('the location did not join the agency');
    const scope: TenantScope = { companyId: tenant.companyId, locationIds: [tenant.locationId] };
    const indexes = readIndexStatements();

    // Before: without the contact_search migration's indexes (loading without them is faster, too).
    for (const index of indexes) await bench.database.db.execute(sql.raw(`drop index "${index.name}"`));
    const loadSeconds = await loadContacts(bench, ghlLocationId, contacts);
    log(`  loaded through the batch applier in ${loadSeconds.toFixed(0)} s (${Math.round(contacts.length / loadSeconds).toLocaleString('en-US')} contacts/s, without the new indexes)`);
    const kinds = createQueryKinds(contacts);
    contacts.length = 0;
    let began = performance.now();
    await bench.database.db.execute(sql`vacuum analyze contacts`);
    log(`  vacuum analyze: ${((performance.now() - began) / 1000).toFixed(1)} s`);
    const [size] = await queryRows<{ table: string }>(bench.database.db, sql`select pg_size_pretty(pg_total_relation_size('contacts')) as "table"`);
    log(`  contacts table with its old indexes: ${size?.table}`);

    log('  p50 / p95 / p99 in ms through the HTTP API');
    const before = await timeKinds(wired, agency.token, tenant.locationId, kinds, 'before');
    const main = await timeMainStatements(bench.database, scope, tenant.locationId, kinds);

    // After: the migration's index statements, each timed (what the migration costs an existing 1 M location).
    const builds: string[] = [];
    for (const index of indexes) {
      began = performance.now();
      await bench.database.db.execute(sql.raw(index.statement));
      builds.push(`${index.name} ${((performance.now() - began) / 1000).toFixed(1)} s`);
    }
    log(`  index builds: ${builds.join(', ')}`);
    await bench.database.db.execute(sql`vacuum analyze contacts`);
    const [sizeAfter] = await queryRows<{ table: string }>(bench.database.db, sql`select pg_size_pretty(pg_total_relation_size('contacts')) as "table"`);
    log(`  contacts table with all indexes: ${sizeAfter?.table}`);
    const after = await timeKinds(wired, agency.token, tenant.locationId, kinds, 'after');

    log(`\n  ${'query'.padEnd(34)} ${'main (SQL only)'.padEnd(30)} ${'before (no new indexes)'.padEnd(30)} after (p50 / p95 / p99 ms)`);
    for (const kind of kinds) log(`  ${kind.name.padEnd(34)} ${formatTiming(main.get(kind.name)).padEnd(30)} ${formatTiming(before.get(kind.name)).padEnd(30)} ${formatTiming(after.get(kind.name))}`);
    log('\n  plans after (EXPLAIN ANALYZE in a tenant transaction, first sample of each kind):');
    await printPlans(bench.database, scope, tenant.locationId, kinds);
  } finally {
    await wired?.app.close();
    await bench.close();
  }
}

// ---------- part "sync" ----------

async function runSandboxChild(): Promise<void> {
  const handle = await startSandbox({
    port: 0,
    seed: SEED,
    locations: 1,
    contacts: SYNC_CONTACTS,
    opportunities: Math.round(SYNC_CONTACTS * 0.2),
    appointments: 0,
    conversations: 0,
    invoices: 0,
    faults: { latencyMs: LATENCY_MS },
    quirks: { sendLegacyRsaSignature: false },
  });
  const { baseUrl, clientId, clientSecret, companyId, locationIds, authorizeUrl, webhookPublicKeys } = handle;
  process.stdout.write(`SANDBOX ${JSON.stringify({ baseUrl, clientId, clientSecret, companyId, locationIds, authorizeUrl, webhookPublicKeys })}\n`);
}

async function readSandboxStats(sandbox: RemoteSandbox): Promise<{ requests: number; rateLimited: number }> {
  return (await (await fetch(`${sandbox.baseUrl}/sandbox/stats`)).json()) as { requests: number; rateLimited: number };
}

async function pollUntil<T>(what: string, deadlineMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not finish in ${deadlineMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Seconds GHL's budget needs at least for `requests` requests (100 per 10 s). */
const budgetSeconds = (requests: number) => (requests / GHL_BUDGET.requests) * GHL_BUDGET.windowSeconds;

async function runSyncPart(): Promise<void> {
  log(`\n== setup sync and reconciliation against the sandbox: ${SYNC_CONTACTS.toLocaleString('en-US')} contacts, ${Math.round(SYNC_CONTACTS * 0.2).toLocaleString('en-US')} opportunities, ${LATENCY_MS} ms per request`);
  const startedSandboxAt = performance.now();
  const { sandbox, child } = await startRemoteSandbox(fileURLToPath(import.meta.url));
  log(`  sandbox ready in ${((performance.now() - startedSandboxAt) / 1000).toFixed(0)} s`);
  const bench = await openBenchDatabase(SYNC_ENGINE, 'sync');
  let wired: Wired | undefined;
  try {
    log(`  engine: ${bench.label}`);
    await runMigrations(bench.database, MIGRATIONS_FOLDER);
    wired = await wire(bench.database, sandbox);
    const ghl = wired.ghl;
    if (!ghl) throw new Error('the app has no GHL');
    const agency = await registerAgency(wired, sandbox.companyId);
    const ghlLocationId = sandbox.locationIds[0] as string;
    const token = await authorizeApp(sandbox as SandboxHandle, { userType: 'Location', locationIds: [ghlLocationId] });
    const tenant = await bench.database.system(async (tx) => {
      const ref = await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: sandbox.companyId });
      await ghl.tokens.saveTokens(tx, { companyId: ref.companyId, locationId: ref.locationId, userType: 'Location', ghlCompanyId: sandbox.companyId, ghlLocationId, token });
      await enqueueSetupSync(tx, generateId, { companyId: ref.companyId, locationId: ref.locationId, ghlLocationId, trigger: 'install' });
      return ref;
    });
    if (tenant.companyId !== agency.companyId) throw new Error('the location did not join the agency');
    const statsBefore = await readSandboxStats(sandbox);
    wired.jobs.start();
    const report = await pollUntil('setup sync', 4 * 3600_000, async () => {
      const [row] = await queryRows<{ status: string; report: InstallReport | null }>(bench.database.db, sql`select status, summary as report from runs where kind = 'setup-sync' and location_id = ${tenant.locationId} order by created_at desc limit 1`);
      return row && (row.status === 'done' || row.status === 'partial') ? (row.report ?? undefined) : undefined;
    });
    const statsAfterSync = await readSandboxStats(sandbox);
    const [counts] = await queryRows<{ contacts: number; opportunities: number }>(
      bench.database.db,
      sql`select (select count(*)::int from contacts) as contacts, (select count(*)::int from opportunities) as opportunities`,
    );
    log(`  setup sync: grade ${report.grade}, ${report.totalSeconds.toFixed(1)} s, usable after ${report.usableSeconds?.toFixed(2)} s, ${report.requests} requests, ${statsAfterSync.rateLimited - statsBefore.rateLimited} 429s; stored ${counts?.contacts} contacts, ${counts?.opportunities} opportunities`);
    log('  step            records  requests  seconds  requests/s  GHL budget floor');
    for (const step of report.steps) {
      if (step.requests === 0) continue;
      log(`  ${step.name.padEnd(15)} ${String(step.records).padStart(7)}  ${String(step.requests).padStart(8)}  ${step.seconds.toFixed(1).padStart(7)}  ${(step.requests / Math.max(step.seconds, 0.001)).toFixed(1).padStart(10)}  ${budgetSeconds(step.requests).toFixed(1).padStart(8)} s`);
    }

    // Reconciliation: contacts GHL has and no webhook told us about (the sandbox sends none here).
    let imported = 0;
    while (imported < RECONCILE_CHANGED) {
      const count = Math.min(100_000, RECONCILE_CHANGED - imported);
      const response = await fetch(`${sandbox.baseUrl}/sandbox/simulate/bulk-import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locationId: ghlLocationId, count }) });
      if (!response.ok) throw new Error(`bulk import failed: ${response.status} ${await response.text()}`);
      imported += count;
    }
    const auth = { authorization: `Bearer ${agency.token}` };
    const requested = await wired.app.inject({ method: 'POST', url: `/api/sync/reconciliation/${tenant.locationId}`, headers: auth });
    if (requested.statusCode !== 202) throw new Error(`reconciliation request: ${requested.statusCode} ${requested.body}`);
    const requestedAt = performance.now();
    const run = await pollUntil('reconciliation', 3600_000, async () => {
      const view = (await wired?.app.inject({ method: 'GET', url: `/api/sync/reconciliation/${tenant.locationId}`, headers: auth }))?.json<ReconciliationView>();
      return view?.latest?.isFinished ? view.latest : undefined;
    });
    const reconcileSeconds = (performance.now() - requestedAt) / 1000;
    const reconcileRequests = run.entities.reduce((sum, entity) => sum + entity.requests, 0);
    log(`  reconciliation after ${RECONCILE_CHANGED.toLocaleString('en-US')} contacts changed without webhooks: ${run.status}, ${reconcileSeconds.toFixed(1)} s, ${reconcileRequests} requests, listed ${run.listed}, repaired ${run.repaired}`);
    log('  entity          listed  repaired  requests  GHL budget floor');
    for (const entity of run.entities) log(`  ${entity.name.padEnd(15)} ${String(entity.listed).padStart(6)}  ${String(entity.repaired).padStart(8)}  ${String(entity.requests).padStart(8)}  ${budgetSeconds(entity.requests).toFixed(1).padStart(8)} s`);

    // At 1,000,000 contacts (and 200,000 opportunities): measured when the run had that size, else extrapolated.
    const scale = TARGET_CONTACTS / SYNC_CONTACTS;
    const contactsStep = report.steps.find((step) => step.name === 'contacts');
    const opportunitiesStep = report.steps.find((step) => step.name === 'opportunities');
    const how = scale === 1 ? 'measured' : `extrapolated ×${scale.toFixed(1)} from this run, linearly (per-page cost assumed constant)`;
    log(`\n  at 1,000,000 contacts (${how}):`);
    const contactRequests = Math.ceil(TARGET_CONTACTS / 500) + 1;
    const opportunityPages = Math.ceil((TARGET_CONTACTS * 0.2) / 100) + 1;
    if (contactsStep) log(`    setup sync, contacts: ${contactRequests} requests (500 per page) ≥ ${budgetSeconds(contactRequests).toFixed(0)} s of GHL's budget alone; the step took ${(contactsStep.seconds * scale).toFixed(0)} s`);
    if (opportunitiesStep) log(`    setup sync, opportunities (200,000, 100 per page): ${opportunityPages} requests ≥ ${budgetSeconds(opportunityPages).toFixed(0)} s alone; the step took ${(opportunitiesStep.seconds * scale).toFixed(0)} s`);
    if (contactsStep && opportunitiesStep) {
      // The two steps run side by side on one location's budget: their floor is that of their sum.
      const together = contactRequests + opportunityPages;
      const seconds = Math.max(contactsStep.seconds, opportunitiesStep.seconds) * scale;
      const floor = budgetSeconds(together);
      log(`    both side by side share the location's budget: ${together} requests ≥ ${floor.toFixed(0)} s; they took ${seconds.toFixed(0)} s = ${(seconds / floor).toFixed(2)}× the floor ⇒ ${seconds > floor * 1.25 ? 'bound by fetching and writing, not by the budget' : 'rate-bound (within 25 % of the floor)'}`);
    }
    const opportunityEntity = run.entities.find((entity) => entity.name === 'opportunities');
    const contactEntity = run.entities.find((entity) => entity.name === 'contacts');
    if (opportunityEntity && contactEntity) {
      const opportunityRequests = Math.ceil((TARGET_CONTACTS * 0.2) / 100) + 1;
      log(`    reconciliation, contacts: requests grow with the changes, not the size: ${contactEntity.requests} for ${RECONCILE_CHANGED.toLocaleString('en-US')} changed (500 per page)`);
      log(`    reconciliation, opportunities: GHL has no "changed since" filter, every page is listed: ${opportunityRequests} requests per run ≥ ${budgetSeconds(opportunityRequests).toFixed(0)} s, i.e. ${((budgetSeconds(opportunityRequests) / 900) * 100).toFixed(0)} % of the location's budget every 15 minutes`);
    }
  } finally {
    await wired?.jobs.stop();
    await wired?.app.close();
    await bench.close();
    child.kill('SIGTERM');
  }
}

if (process.argv.includes('--sandbox-child')) await runSandboxChild();
else {
  log(`bench:million — ${new Date().toISOString()}, load average ${loadavg().map((value) => value.toFixed(1)).join(' ')}`);
  if (PARTS.includes('search')) for (const engine of ENGINES) await runSearchPart(engine);
  if (PARTS.includes('sync')) await runSyncPart();
  log(`\npeak memory of this process: ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(1)} GiB (the sandbox runs in its own process)`);
}
