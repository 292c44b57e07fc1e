/**
 * `npm run bench:ingest` — starts the real service (`src/main/all.ts`: API + webhook workers), sends
 * uniquely signed GHL-shaped events over loopback, and prints: accepted/s at maximum rate, p50/p99
 * time to 200 at fixed offered rates, end-to-end (send → done) percentiles per queue, lost count, and
 * the ratio of ingest throughput to a no-op route measured in the same run, before the offered-rate
 * phases and again after the max-rate backlog drained (the ratio against each and their mean).
 *
 * Engine: PGlite in a temp dir by default; BENCH_DATABASE_URL (or DATABASE_URL) = a PostgreSQL server
 * on which a fresh database is created and dropped. PGlite runs on its own worker thread unless
 * PGLITE_THREAD=main (the service reads it from this environment). Knobs: BENCH_SECONDS (10),
 * BENCH_NOOP_SECONDS (the no-op phase; BENCH_SECONDS by default, shorter for long offered-rate phases),
 * BENCH_CONCURRENCY (64), BENCH_RATES ("1000,500"), BENCH_MAX_EVENTS (80000); BENCH_SERVICE_NODE_ARGS
 * are node options for the service (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof").
 */
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase, queryRows, runMigrations, type Database } from '../src/platform/db/index.js';
import { MIGRATIONS_FOLDER, REPO_ROOT } from '../src/main/wire.js';
import { argon2PasswordHasher, tenantTables } from '../src/modules/tenants/index.js';
// The lean keep-alive load client (pre-built request bytes, only status and length parsed) is shared with bench:workers.
import { fmt, percentile, RawPool } from './support/webhook-load.js';
import { findFreePort } from '../test/support/spawn-service.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const NOOP_SECONDS = Number(process.env.BENCH_NOOP_SECONDS ?? SECONDS);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 64);
const RATES = (process.env.BENCH_RATES ?? '1000,500').split(',').map(Number);
const MAX_EVENTS = Number(process.env.BENCH_MAX_EVENTS ?? 80_000);
/** BENCH_INGEST_ONLY=1: the service runs no workers (as with separate `npm run worker` processes); no end-to-end figures. */
const INGEST_ONLY = process.env.BENCH_INGEST_ONLY === '1';
const LOCATIONS = 50;
const ADMIN_EMAIL = 'bench-admin@example.test';
const ADMIN_PASSWORD = 'bench-password-123';

// Share of each event family in the mix (roughly what a busy agency sends).
const MIX: [string, number, (index: number) => Record<string, unknown>][] = [
  ['InboundMessage', 0.25, (i) => ({ conversationId: `conv_${i % 4000}`, contactId: `c_${i % 5000}`, messageType: 'SMS', body: 'Hello there, is this still available?', direction: 'inbound' })],
  ['OutboundMessage', 0.15, (i) => ({ conversationId: `conv_${i % 4000}`, contactId: `c_${i % 5000}`, messageType: 'SMS', body: 'Yes it is!', direction: 'outbound' })],
  ['ContactUpdate', 0.2, (i) => ({ id: `c_${i % 5000}`, firstName: 'Ada', lastName: 'Lovelace', email: `ada${i}@example.com`, tags: ['lead'] })],
  ['ContactCreate', 0.1, (i) => ({ id: `c_new_${i}`, firstName: 'Grace', email: `grace${i}@example.com` })],
  ['OpportunityUpdate', 0.1, (i) => ({ id: `o_${i % 2000}`, status: 'open', monetaryValue: 1200, pipelineId: 'p1', pipelineStageId: 's2' })],
  ['AppointmentCreate', 0.05, (i) => ({ appointment: { id: `a_${i}`, calendarId: 'cal1', startTime: '2026-01-01T10:00:00Z', dateUpdated: new Date().toISOString() } })],
  ['InvoicePaid', 0.05, (i) => ({ _id: `inv_${i % 1000}`, altId: 'loc_0', altType: 'location', status: 'paid', total: 100, updatedAt: new Date().toISOString() })],
  ['INSTALL', 0.01, (i) => ({ appId: 'app1', companyId: 'comp1', installType: 'Location', userId: `u_${i}` })],
  ['LocationUpdate', 0.09, (i) => ({ id: `loc_${i % 50}`, companyId: 'comp1', name: 'Main St' })],
];

interface Signed {
  webhookId: string;
  /** The whole HTTP request, built before the clock starts. */
  request: Buffer;
}

const keys = generateKeyPairSync('ed25519');
let eventCounter = 0;

function makeEvents(count: number, phase: string): Signed[] {
  const events: Signed[] = [];
  for (let n = 0; n < count; n += 1) {
    eventCounter += 1;
    let pick = (eventCounter * 0.6180339887) % 1;
    let entry = MIX[0] as (typeof MIX)[number];
    for (const candidate of MIX) {
      if (pick < candidate[1]) {
        entry = candidate;
        break;
      }
      pick -= candidate[1];
    }
    const webhookId = `${phase}-${randomUUID()}`;
    const payload = { type: entry[0], locationId: `loc_${eventCounter % LOCATIONS}`, ...entry[2](eventCounter), webhookId, timestamp: new Date().toISOString(), appId: 'bench-app', versionId: 'v1' };
    const body = Buffer.from(JSON.stringify(payload));
    events.push({ webhookId, request: buildRequest('/api/webhooks/ghl', body, { 'x-ghl-signature': sign(null, body, keys.privateKey).toString('base64') }) });
  }
  return events;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
let port = 0;

function request(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: body ? { 'content-type': 'application/json', 'content-length': String(body.length), ...headers } : headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', () => resolve({ status: 0, text: '' }));
    if (body) req.write(body);
    req.end();
  });
}

let pool: RawPool;

function buildRequest(path: string, body: Buffer, headers: Record<string, string>): Buffer {
  const lines = [`POST ${path} HTTP/1.1`, 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${body.length}`, ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n'), body]);
}

const noopRequest = Buffer.from('GET /api/health/live HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n');

const sentAt = new Map<string, number>();
const acknowledged = new Set<string>();
const phaseOf = new Map<string, string>();

async function deliver(event: Signed, latencies: number[], statuses: Map<number, number>): Promise<void> {
  const started = performance.now();
  sentAt.set(event.webhookId, Date.now());
  const status = await pool.send(event.request);
  latencies.push(performance.now() - started);
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
  if (status === 200) acknowledged.add(event.webhookId);
}

/**
 * With `--cpu-prof` in BENCH_SERVICE_NODE_ARGS, each phase's span on the monotonic clock V8's
 * profiles use (µs), for `bench/cpu-profile-top.ts --window`.
 */
const isProfiling = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').includes('--cpu-prof');
const monotonicMicros = () => process.hrtime.bigint() / 1000n;
function printPhaseClock(phase: string, fromMicros: bigint): void {
  if (isProfiling) console.log(`  (profile window of ${phase}: --window=${fromMicros}..${monotonicMicros()})`);
}


/**
 * CPU time (ms, user + system, all threads) of the service process, of the PostgreSQL backends serving
 * the bench database, and of this load generator: read from /proc (Linux), so a phase's CPU cost per
 * request can be told apart from the machine's other load. Undefined parts where /proc is missing.
 */
const CLOCK_TICKS_PER_SECOND = 100;
function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}
function postgresCpuMs(databaseName: string | undefined): number {
  if (!databaseName) return 0;
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(` ${databaseName} `)) total += processCpuMs(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return total;
}
interface CpuSnapshot {
  service: number;
  /** The service's main thread (the event loop) alone. */
  serviceMain: number;
  postgres: number;
  client: number;
}
function threadCpuMs(pid: number, tid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}
let benchDatabaseName: string | undefined;
function cpuSnapshot(servicePid: number | undefined): CpuSnapshot {
  const own = process.cpuUsage();
  return {
    service: servicePid === undefined ? NaN : processCpuMs(servicePid),
    serviceMain: servicePid === undefined ? NaN : threadCpuMs(servicePid, servicePid),
    postgres: postgresCpuMs(benchDatabaseName),
    client: (own.user + own.system) / 1000,
  };
}
function describeCpu(from: CpuSnapshot, to: CpuSnapshot, requests: number): string {
  const per = (a: number, b: number) => fmt(((b - a) * 1000) / Math.max(1, requests), 0);
  const parts = [`service ${per(from.service, to.service)} µs (main thread ${per(from.serviceMain, to.serviceMain)})`, ...(benchDatabaseName ? [`postgres ${per(from.postgres, to.postgres)} µs`] : []), `load generator ${per(from.client, to.client)} µs`];
  return `CPU per request: ${parts.join(', ')}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`;
}

async function runClosedLoop(seconds: number, work: () => Promise<boolean>): Promise<{ count: number; elapsedSeconds: number }> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let count = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        if (!(await work())) return;
        count += 1;
      }
    }),
  );
  return { count, elapsedSeconds: (performance.now() - started) / 1000 };
}

async function runOpenLoop(rate: number, events: Signed[], latencies: number[], statuses: Map<number, number>): Promise<void> {
  const started = performance.now();
  let sent = 0;
  const inFlight: Promise<void>[] = [];
  while (sent < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - started) / 1000) * rate));
    while (sent < due) {
      inFlight.push(deliver(events[sent] as Signed, latencies, statuses));
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
}

async function login(): Promise<string> {
  const response = await request('POST', '/api/auth/login', Buffer.from(JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })));
  return (JSON.parse(response.text) as { token: string }).token;
}

async function waitForDrain(token: string, timeoutMs: number): Promise<number> {
  if (INGEST_ONLY) return NaN;
  const started = performance.now();
  for (;;) {
    const response = await request('GET', '/api/webhooks/status', undefined, { authorization: `Bearer ${token}` });
    if (response.status === 200) {
      const status = JSON.parse(response.text) as { queues: { pending: number; running: number; retrying: number }[] };
      const open = status.queues.reduce((sum, queue) => sum + queue.pending + queue.running + queue.retrying, 0);
      if (open === 0) return (performance.now() - started) / 1000;
      if (performance.now() - started > timeoutMs) return NaN;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function prepareDatabase(database: Database): Promise<void> {
  await runMigrations(database, MIGRATIONS_FOLDER);
  const passwordHash = await argon2PasswordHasher.hash(ADMIN_PASSWORD);
  await database.db.insert(tenantTables.users).values({ id: `usr_bench_${randomBytes(4).toString('hex')}`, companyId: null, email: ADMIN_EMAIL, name: 'Bench', passwordHash, role: 'platform_admin' });
  // The event locations exist here (installed), so processors apply the events instead of waiting for an install.
  await database.db.insert(tenantTables.companies).values({ id: 'co_bench', name: 'Bench agency', ghlCompanyId: 'comp1' });
  await database.db.insert(tenantTables.locations).values(Array.from({ length: LOCATIONS }, (_, index) => ({ id: `loc_bench_${index}`, companyId: 'co_bench', name: `Bench ${index}`, ghlLocationId: `loc_${index}` })));
}

async function main() {
  const adminUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
  const tempDir = mkdtempSync(join(tmpdir(), 'sb-bench-'));
  let serviceEnv: Record<string, string>;
  let openAgain: () => Promise<Database>;
  let cleanup = async () => rmSync(tempDir, { recursive: true, force: true });
  if (adminUrl) {
    const name = `sb_bench_${randomBytes(4).toString('hex')}`;
    benchDatabaseName = name;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    serviceEnv = { DATABASE_URL: url.toString() };
    openAgain = () => openDatabase({ engine: 'postgres', url: url.toString(), poolMax: 2 });
    const previous = cleanup;
    cleanup = async () => {
      await previous();
      const dropper = new pg.Client({ connectionString: adminUrl });
      await dropper.connect();
      await dropper.query(`drop database if exists ${name} with (force)`);
      await dropper.end();
    };
  } else {
    const dataDir = join(tempDir, 'pglite');
    serviceEnv = { DATABASE_URL: '', PGLITE_DATA_DIR: dataDir };
    openAgain = () => openDatabase({ engine: 'pglite', dataDir });
  }
  const setup = await openAgain();
  await prepareDatabase(setup);
  await setup.close();

  port = await findFreePort();
  const nodeArgs = process.env.BENCH_SERVICE_NODE_ARGS ? process.env.BENCH_SERVICE_NODE_ARGS.split(' ') : [];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'src/main/all.ts')], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      ...serviceEnv,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      PORT: String(port),
      JWT_SECRET: randomBytes(32).toString('hex'),
      VAULT_KEYS: `bench:${randomBytes(32).toString('base64')}`,
      // Real-GHL mode without credentials: no sandbox is started, so our test key is the one trusted.
      GHL_SANDBOX: 'off',
      ...(INGEST_ONLY ? { WEBHOOK_WORKER_QUEUES: 'none' } : {}),
      GHL_WEBHOOK_ED25519_PUBLIC_KEY: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const engine = adminUrl ? 'PostgreSQL' : 'PGlite';
  try {
    for (let attempt = 0; ; attempt += 1) {
      if ((await request('GET', '/api/health/live')).status === 200) break;
      if (attempt > 600) throw new Error('service did not start');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const token = await login();
    pool = new RawPool(port, Math.max(CONCURRENCY, 128));
    console.log(`\nbench:ingest — ${engine}, ${cpus().length} CPUs, ${SECONDS} s per phase, ${CONCURRENCY} connections at max rate${INGEST_ONLY ? ', ingest only (no workers)' : ', workers in the same process'}\n`);

    // Warm-up (JIT, pools); not measured.
    const warmup = makeEvents(2000, 'warmup');
    warmup.forEach((event) => phaseOf.set(event.webhookId, 'warmup'));
    await runOpenLoop(1000, warmup, [], new Map());
    await waitForDrain(token, 120_000);

    const noopFrom = monotonicMicros();
    const noopCpu = cpuSnapshot(child.pid);
    const noop = await runClosedLoop(NOOP_SECONDS, async () => (await pool.send(noopRequest)) === 200);
    const noopCpuEnd = cpuSnapshot(child.pid);
    printPhaseClock('no-op', noopFrom);
    const noopPerSecond = noop.count / noop.elapsedSeconds;
    console.log(`no-op route (GET /api/health/live) at max rate: ${fmt(noopPerSecond, 0)} req/s`);
    console.log(`  ${describeCpu(noopCpu, noopCpuEnd, noop.count)}`);

    const results: { phase: string; line: string }[] = [];
    for (const rate of RATES) {
      const events = makeEvents(rate * SECONDS, `rate${rate}`);
      events.forEach((event) => phaseOf.set(event.webhookId, `${rate}/s`));
      const latencies: number[] = [];
      const statuses = new Map<number, number>();
      const rateFrom = monotonicMicros();
      await runOpenLoop(rate, events, latencies, statuses);
      printPhaseClock(`${rate}/s`, rateFrom);
      const drainSeconds = await waitForDrain(token, 300_000);
      const line = `offered ${rate}/s for ${SECONDS} s: time to 200 p50 ${fmt(percentile(latencies, 50), 2)} ms, p99 ${fmt(percentile(latencies, 99), 2)} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; backlog drained ${fmt(drainSeconds, 1)} s after the phase`;
      console.log(line);
      results.push({ phase: `${rate}/s`, line });
    }

    const maxEvents = makeEvents(MAX_EVENTS, 'max');
    maxEvents.forEach((event) => phaseOf.set(event.webhookId, 'max'));
    let next = 0;
    const maxLatencies: number[] = [];
    const maxStatuses = new Map<number, number>();
    let accepted = 0;
    const maxFrom = monotonicMicros();
    const maxCpu = cpuSnapshot(child.pid);
    const max = await runClosedLoop(SECONDS, async () => {
      const event = maxEvents[next];
      if (!event) return false;
      next += 1;
      const before = acknowledged.size;
      await deliver(event, maxLatencies, maxStatuses);
      if (acknowledged.size > before) accepted += 1;
      return true;
    });
    const maxCpuEnd = cpuSnapshot(child.pid);
    printPhaseClock('max rate', maxFrom);
    const acceptedPerSecond = accepted / max.elapsedSeconds;
    console.log(
      `max rate: ${fmt(acceptedPerSecond, 0)} verified webhooks/s accepted (${accepted} in ${fmt(max.elapsedSeconds, 1)} s); time to 200 p50 ${fmt(percentile(maxLatencies, 50), 2)} ms, p99 ${fmt(percentile(maxLatencies, 99), 2)} ms; statuses ${JSON.stringify(Object.fromEntries(maxStatuses))}`,
    );
    console.log(`  ${describeCpu(maxCpu, maxCpuEnd, max.count)}`);
    // The API while workers write: one GET /api/health/live at a time until the backlog is gone.
    const liveLatencies: number[] = [];
    let isDraining = true;
    const prober = (async () => {
      while (isDraining && !INGEST_ONLY) {
        const started = performance.now();
        if ((await pool.send(noopRequest)) === 200) liveLatencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const drainSeconds = await waitForDrain(token, 600_000);
    isDraining = false;
    await prober;
    console.log(`max-rate backlog drained ${fmt(drainSeconds, 1)} s after the phase`);
    if (!INGEST_ONLY) console.log(`GET /api/health/live while the workers drained it: p50 ${fmt(percentile(liveLatencies, 50), 2)} ms, p99 ${fmt(percentile(liveLatencies, 99), 2)} ms (n=${liveLatencies.length})`);
    // The no-op route once more, after the max-rate phase: the machine's other load moves a no-op
    // figure by up to 3× between runs, so the ratio is given against the no-op phases on both sides.
    const noopAgain = await runClosedLoop(NOOP_SECONDS, async () => (await pool.send(noopRequest)) === 200);
    const noopAgainPerSecond = noopAgain.count / noopAgain.elapsedSeconds;
    console.log(`no-op route again, after the drain: ${fmt(noopAgainPerSecond, 0)} req/s`);
    console.log(
      `ingest / no-op ratio: ${fmt(acceptedPerSecond / ((noopPerSecond + noopAgainPerSecond) / 2), 3)} against the mean of both no-op phases (${fmt(acceptedPerSecond / noopPerSecond, 3)} against the one before, ${fmt(acceptedPerSecond / noopAgainPerSecond, 3)} after)`,
    );

    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));

    const database = await openAgain();
    const rows = await queryRows<{ deliveryId: string; queue: string; status: string; finishedMs: number | null }>(
      database.db,
      sql`select delivery_id as "deliveryId", queue, status, (extract(epoch from finished_at) * 1000)::float8 as "finishedMs" from webhook_events where provider = 'ghl'`,
    );
    await database.close();
    const stored = new Set(rows.map((row) => row.deliveryId));
    const lost = [...acknowledged].filter((webhookId) => !stored.has(webhookId)).length;
    console.log(`\nend to end (send → done/skipped), per queue:`);
    for (const phase of [...RATES.map((rate) => `${rate}/s`), 'max']) {
      const byQueue = new Map<string, number[]>();
      for (const row of rows) {
        if (phaseOf.get(row.deliveryId) !== phase || row.finishedMs === null) continue;
        const sent = sentAt.get(row.deliveryId);
        if (sent === undefined) continue;
        const list = byQueue.get(row.queue) ?? [];
        list.push(row.finishedMs - sent);
        byQueue.set(row.queue, list);
      }
      const parts = [...byQueue.entries()].sort().map(([queue, values]) => `${queue} p50 ${fmt(percentile(values, 50), 0)} / p95 ${fmt(percentile(values, 95), 0)} ms (n=${values.length})`);
      console.log(`  ${phase}: ${parts.join('; ')}`);
    }
    const statusCounts = rows.reduce<Record<string, number>>((counts, row) => ({ ...counts, [row.status]: (counts[row.status] ?? 0) + 1 }), {});
    console.log(`\nstored ${rows.length} events ${JSON.stringify(statusCounts)}; acknowledged ${acknowledged.size}; lost (acknowledged but not stored): ${lost}\n`);
  } finally {
    child.kill('SIGKILL');
    agent.destroy();
    await cleanup();
  }
}

await main();
