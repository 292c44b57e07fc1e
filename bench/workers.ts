/**
 * `npm run bench:workers` — how the webhook workers share out the work (issue 14 points 3 and 6).
 *
 * 1. Priority and fairness (`npm start`'s process: API + workers): after a warm-up, two load levels
 *    (one the workers keep up with, one at saturation), each in three phases: the nine quiet
 *    locations' traffic alone (their unloaded figure), the level's rate spread evenly over all ten,
 *    and the same quiet traffic with one location sending 80 % of the level's rate. Prints, per phase,
 *    send → done p50/p95 per queue and the quiet locations' p95 against their unloaded figure.
 *    Drain is read through the service's own API (GET /api/webhooks/status), the per-event timings
 *    from the database after the service stopped, so it runs on PGlite too (one process per data dir).
 * 2. Scale-out (PostgreSQL only): one API process receives a backlog with no workers running, which
 *    is held (run_at in the future) until 1, 2 or 4 `npm run worker` processes are up and listening,
 *    then released at once; prints events/s and scaling efficiency, and two
 *    ledgers filled by triggers: every transition of an event to done/skipped, and every write to a
 *    message row (each message event carries its own messageId, so a second write is a second
 *    application of one event). Both must show no event twice.
 *
 * The traffic is GHL-shaped: payloads are the official examples in reference/ghl/webhooks with ids,
 * location and times filled in, in a mix like a busy sub-account's (conversations and contact changes
 * dominate; opportunities, appointments and invoices follow; INSTALL is rare). See TRAFFIC_MIX.
 *
 * Engine: PGlite in a temp dir by default; BENCH_DATABASE_URL (or DATABASE_URL) = a PostgreSQL server
 * (a fresh database per scenario). Knobs: BENCH_PARTS ("fairness,scale"), BENCH_SECONDS (15),
 * BENCH_UNLOADED_RATE (100), BENCH_KEEPUP_RATE (PostgreSQL 400, PGlite 150), BENCH_LOADED_RATE
 * (PostgreSQL 900, PGlite 400), BENCH_BACKLOG (20000), BENCH_WORKERS ("1,2,4").
 */
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/platform/db/index.js';
import { REPO_ROOT } from '../src/main/wire.js';
import { findFreePort } from '../test/support/spawn-service.js';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  buildSignedEvent,
  createBenchDatabase,
  fmt,
  percentile,
  RawPool,
  sendAtRate,
  spawnService,
  stopProcess,
  waitForHttp,
  type BenchDatabase,
  type SignedEvent,
} from './support/webhook-load.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
const PARTS = new Set((process.env.BENCH_PARTS ?? 'fairness,scale').split(','));
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const UNLOADED_RATE = Number(process.env.BENCH_UNLOADED_RATE ?? 100);
const KEEPUP_RATE = Number(process.env.BENCH_KEEPUP_RATE ?? (ADMIN_URL ? 400 : 150));
const LOADED_RATE = Number(process.env.BENCH_LOADED_RATE ?? (ADMIN_URL ? 900 : 400));
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 20_000);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const LOCATIONS = 10;
const HOT_LOCATION = 'loc_0';
const HOT_SHARE = 0.8;
const QUEUES = ['critical', 'messages', 'contacts', 'projects', 'appointments', 'financial'] as const;

/**
 * Share of each event type in the traffic. GHL publishes no distribution; this is the shape of a busy
 * sub-account's webhooks: every SMS/e-mail/call both ways is a message event, contact changes (fields,
 * tags, DND) and their notes and tasks come next, pipeline moves, bookings, a few invoices and orders;
 * lifecycle events (INSTALL) happen once per install, so they are rare.
 */
const TRAFFIC_MIX: readonly (readonly [string, number])[] = [
  ['OutboundMessage', 0.22],
  ['InboundMessage', 0.18],
  ['ContactUpdate', 0.17],
  ['ContactTagUpdate', 0.08],
  ['ContactCreate', 0.05],
  ['ContactDndUpdate', 0.02],
  ['NoteCreate', 0.03],
  ['TaskCreate', 0.02],
  ['OpportunityStageUpdate', 0.04],
  ['OpportunityStatusUpdate', 0.02],
  ['OpportunityUpdate', 0.02],
  ['OpportunityCreate', 0.02],
  ['OpportunityMonetaryValueUpdate', 0.01],
  ['AppointmentUpdate', 0.05],
  ['AppointmentCreate', 0.03],
  ['InvoicePaid', 0.01],
  ['InvoiceUpdate', 0.01],
  ['OrderCreate', 0.01],
  ['INSTALL', 0.003],
];

/** The docs page (reference/ghl/webhooks/<page>.json) whose first example each type is built from. */
const EXAMPLE_PAGE: Record<string, string> = { INSTALL: 'AppInstall', AppointmentUpdate: 'AppointmentUpdate', AppointmentCreate: 'AppointmentCreate' };

const examples = new Map<string, Record<string, unknown>>();
function exampleOf(type: string): Record<string, unknown> {
  let example = examples.get(type);
  if (!example) {
    const file = JSON.parse(readFileSync(join(REPO_ROOT, 'reference/ghl/webhooks', `${EXAMPLE_PAGE[type] ?? type}.json`), 'utf8')) as { examples: { payload: Record<string, unknown> }[] };
    // AppInstall's last example is the one with the full envelope (installType, versionId).
    example = (type === 'INSTALL' ? file.examples.at(-1) : file.examples[0])?.payload;
    if (!example) throw new Error(`no example for ${type}`);
    examples.set(type, example);
  }
  return structuredClone(example);
}

/** Deterministic pseudo-random numbers (mulberry32), so every run sends the same traffic. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seededRandom(14);
const pick = (size: number) => Math.floor(random() * size);

function typeAt(): string {
  let roll = random() * TRAFFIC_MIX.reduce((sum, [, share]) => sum + share, 0);
  for (const [type, share] of TRAFFIC_MIX) {
    if (roll < share) return type;
    roll -= share;
  }
  return 'ContactUpdate';
}

let counter = 0;
/** One GHL-shaped payload of `type` for `locationId`: the official example with this event's ids. */
function payloadOf(type: string, locationId: string): Record<string, unknown> & { type: string; locationId: string } {
  counter += 1;
  const now = new Date().toISOString();
  const payload = exampleOf(type);
  payload.type = type;
  payload.locationId = locationId;
  const contactId = `c_${locationId}_${pick(5000)}`;
  if (type.endsWith('Message')) {
    Object.assign(payload, { conversationId: `conv_${locationId}_${pick(3000)}`, contactId, messageId: `m_${counter}`, dateAdded: now, direction: type === 'InboundMessage' ? 'inbound' : 'outbound' });
  } else if (type === 'ContactCreate') {
    Object.assign(payload, { id: `c_new_${counter}`, email: `new${counter}@example.com`, dateAdded: now });
  } else if (type.startsWith('Contact')) {
    Object.assign(payload, { id: contactId, dateUpdated: now });
  } else if (type === 'NoteCreate' || type === 'TaskCreate') {
    Object.assign(payload, { id: `${type === 'NoteCreate' ? 'n' : 't'}_${counter}`, contactId, dateAdded: now });
  } else if (type.startsWith('Opportunity')) {
    Object.assign(payload, { id: type === 'OpportunityCreate' ? `o_new_${counter}` : `o_${locationId}_${pick(2000)}`, contactId, dateUpdated: now });
  } else if (type.startsWith('Appointment')) {
    const appointment = payload.appointment as Record<string, unknown>;
    Object.assign(appointment, { id: type === 'AppointmentCreate' ? `a_new_${counter}` : `a_${locationId}_${pick(1500)}`, contactId, dateUpdated: now });
  } else if (type.startsWith('Invoice') || type === 'OrderCreate') {
    Object.assign(payload, { _id: `${type === 'OrderCreate' ? 'ord' : 'inv'}_${locationId}_${type === 'OrderCreate' ? counter : pick(500)}`, altId: locationId, altType: 'location', updatedAt: now });
  } else if (type === 'INSTALL') {
    Object.assign(payload, { appId: 'bench-app', companyId: 'comp1', userId: `u_${locationId}` });
  }
  return { ...payload, type, locationId };
}

/** `count` events; `hotShare` of them from the hot location, the rest spread over the others. */
function makeEvents(count: number, hotShare: number): SignedEvent[] {
  return Array.from({ length: count }, () => {
    const locationId = random() < hotShare ? HOT_LOCATION : `loc_${1 + pick(LOCATIONS - 1)}`;
    return buildSignedEvent(payloadOf(typeAt(), locationId));
  });
}

async function api<T>(port: number, path: string, init: { method?: string; token?: string; body?: unknown } = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

async function login(port: number): Promise<string> {
  const response = await api<{ token: string }>(port, '/api/auth/login', { method: 'POST', body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
  if (response.status !== 200) throw new Error(`bench login failed: ${response.status}`);
  return response.body.token;
}

/** Seconds until no event is pending, running or retrying, read through GET /api/webhooks/status. */
async function waitForDrain(port: number, token: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const response = await api<{ queues: { pending: number; running: number; retrying: number }[] }>(port, '/api/webhooks/status', { token });
    if (response.status === 200 && response.body.queues.reduce((sum, queue) => sum + queue.pending + queue.running + queue.retrying, 0) === 0) return (performance.now() - started) / 1000;
    if (performance.now() - started > timeoutMs) return NaN;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

interface FinishedRow {
  deliveryId: string;
  queue: string;
  ghlLocationId: string | null;
  status: string;
  receivedMs: number;
  finishedMs: number | null;
}

async function readFinished(bench: BenchDatabase): Promise<FinishedRow[]> {
  const database = await bench.open();
  try {
    return await queryRows<FinishedRow & Record<string, unknown>>(
      database.db,
      sql`select delivery_id as "deliveryId", queue, ghl_location_id as "ghlLocationId", status,
        (extract(epoch from received_at) * 1000)::float8 as "receivedMs", (extract(epoch from finished_at) * 1000)::float8 as "finishedMs" from webhook_events`,
    );
  } finally {
    await database.close();
  }
}

const load = () => loadavg().map((value) => value.toFixed(2)).join(' ');

interface Phase {
  name: string;
  rate: number;
  hotShare: number;
  sentAt: Map<string, number>;
  statuses: Map<number, number>;
  drainedSeconds: number;
  loadBefore: string;
  loadAfter: string;
}

async function priorityAndFairness(tempDir: string): Promise<void> {
  const bench = await createBenchDatabase({ adminUrl: ADMIN_URL, pgliteDir: join(tempDir, 'fair'), locations: LOCATIONS });
  const port = await findFreePort();
  const service = spawnService('all.ts', { ...bench.env, PORT: String(port) });
  const phases: Phase[] = [];
  try {
    await waitForHttp(port, '/api/health/live');
    const token = await login(port);
    const pool = new RawPool(port, 128);
    console.log(`\n1. priority and fairness — ${bench.engine}, ${cpus().length} CPUs, npm start (API + workers in one process), ${SECONDS} s per phase`);
    // Each load level three times: the quiet locations' traffic alone (their unloaded figure), the
    // level's whole rate spread evenly (the same load, no hot location), then the quiet traffic with
    // the hot location's 80 % on top. Same mix throughout.
    const plan = [{ name: 'warm-up', rate: UNLOADED_RATE, hotShare: 1 / LOCATIONS, seconds: 5 }];
    for (const [level, rate] of [['keep-up', KEEPUP_RATE], ['saturated', LOADED_RATE]] as const) {
      plan.push({ name: `${level}, quiet only`, rate: Math.round(rate * (1 - HOT_SHARE)), hotShare: 0, seconds: SECONDS });
      plan.push({ name: `${level}, even`, rate, hotShare: 1 / LOCATIONS, seconds: SECONDS });
      plan.push({ name: `${level}, with hot`, rate, hotShare: HOT_SHARE, seconds: SECONDS });
    }
    for (const step of plan) {
      const events = makeEvents(step.rate * step.seconds, step.hotShare);
      const sentAt = new Map<string, number>();
      const loadBefore = load();
      const statuses = await sendAtRate(pool, events, step.rate, sentAt);
      const drainedSeconds = await waitForDrain(port, token, 600_000);
      phases.push({ name: step.name, rate: step.rate, hotShare: step.hotShare, sentAt, statuses, drainedSeconds, loadBefore, loadAfter: load() });
      console.log(`  ${step.name}: sent ${events.length} at ${step.rate}/s, drained ${fmt(drainedSeconds, 1)} s after the phase (load ${loadBefore} → ${load()})`);
    }
  } finally {
    await stopProcess(service);
  }
  // Read after the service stopped: a PGlite data dir is one process's.
  const rows = await readFinished(bench);
  await bench.drop();
  const unfinished = rows.filter((row) => row.finishedMs === null || !['done', 'skipped'].includes(row.status));
  const byStatus = Object.fromEntries([...new Set(rows.map((row) => row.status))].map((status) => [status, rows.filter((row) => row.status === status).length]));
  console.log(`  rows by status: ${JSON.stringify(byStatus)}; unfinished or dead: ${unfinished.length}`);
  const quietP95 = new Map<string, number>();
  for (const phase of phases.filter((entry) => entry.name !== 'warm-up')) {
    const mine = rows.filter((row) => phase.sentAt.has(row.deliveryId) && row.finishedMs !== null);
    const endToEnd = (keep: (row: FinishedRow) => boolean) => mine.filter(keep).map((row) => (row.finishedMs as number) - (phase.sentAt.get(row.deliveryId) as number));
    const inService = (keep: (row: FinishedRow) => boolean) => mine.filter(keep).map((row) => (row.finishedMs as number) - row.receivedMs);
    const byQueue = QUEUES.map((queue) => {
      const values = endToEnd((row) => row.queue === queue);
      return `${queue} ${fmt(percentile(values, 50), 0)}/${fmt(percentile(values, 95), 0)} (n=${values.length})`;
    });
    // loc_0 is the hot location in the "with hot" phases; in the others it is one location among ten.
    const quiet = endToEnd((row) => row.ghlLocationId !== HOT_LOCATION);
    const hot = endToEnd((row) => row.ghlLocationId === HOT_LOCATION);
    const quietInService = inService((row) => row.ghlLocationId !== HOT_LOCATION);
    quietP95.set(phase.name, percentile(quiet, 95));
    const processedPerSecond = mine.length / (SECONDS + phase.drainedSeconds);
    console.log(
      `  ${phase.name}: ${phase.rate}/s, ${fmt(phase.hotShare * 100, 0)} % from ${HOT_LOCATION}; statuses ${JSON.stringify(Object.fromEntries(phase.statuses))}; ` +
        `drained ${fmt(phase.drainedSeconds, 1)} s after; processed ${fmt(processedPerSecond, 0)}/s; load ${phase.loadBefore} → ${phase.loadAfter}`,
    );
    console.log(`    send → done p50/p95 ms per queue: ${byQueue.join('; ')}`);
    console.log(
      `    quiet locations p50/p95 ${fmt(percentile(quiet, 50), 0)}/${fmt(percentile(quiet, 95), 0)} ms (receipt → done p95 ${fmt(percentile(quietInService, 95), 0)}; n=${quiet.length}); ` +
        `hot location p50/p95 ${fmt(percentile(hot, 50), 0)}/${fmt(percentile(hot, 95), 0)} ms (n=${hot.length})`,
    );
  }
  for (const level of ['keep-up', 'saturated']) {
    const alone = quietP95.get(`${level}, quiet only`) ?? NaN;
    const even = quietP95.get(`${level}, even`) ?? NaN;
    const loaded = quietP95.get(`${level}, with hot`) ?? NaN;
    console.log(
      `  ${level}: quiet locations' p95 ${fmt(alone, 0)} ms alone, ${fmt(even, 0)} ms at the same total rate spread evenly, ${fmt(loaded, 0)} ms with the hot location: ` +
        `${fmt(loaded / alone, 2)}× their unloaded figure (target ≤ 2×), ${fmt(loaded / even, 2)}× the even spread`,
    );
  }
}

async function scaleOut(tempDir: string): Promise<void> {
  if (!ADMIN_URL) {
    console.log('\n2. scale-out: needs PostgreSQL (BENCH_DATABASE_URL); a PGlite data dir is one process.');
    return;
  }
  console.log(`\n2. scale-out — PostgreSQL, api ×1 + npm run worker ×N as OS processes, backlog of ${BACKLOG} events (even over ${LOCATIONS} locations)`);
  let single = NaN;
  for (const workers of WORKER_COUNTS) {
    const bench = await createBenchDatabase({ adminUrl: ADMIN_URL, pgliteDir: join(tempDir, `scale-${workers}`), locations: LOCATIONS });
    const ledger = await bench.open();
    // The ledgers, filled by triggers in the transactions that apply the events.
    await ledger.db.execute(sql`create table bench_finish_ledger (event_id bigint not null, at timestamptz not null default clock_timestamp())`);
    await ledger.db.execute(sql`create function bench_record_finish() returns trigger language plpgsql as $$
      begin insert into bench_finish_ledger (event_id) values (new.id); return new; end $$`);
    await ledger.db.execute(sql`create trigger bench_finish after update of status on webhook_events
      for each row when (old.status = 'running' and new.status in ('done', 'skipped')) execute function bench_record_finish()`);
    await ledger.db.execute(sql`create table bench_message_ledger (ghl_id text not null)`);
    await ledger.db.execute(sql`create function bench_record_message() returns trigger language plpgsql as $$
      begin insert into bench_message_ledger (ghl_id) values (new.ghl_id); return new; end $$`);
    await ledger.db.execute(sql`create trigger bench_message after insert or update on messages for each row execute function bench_record_message()`);
    await ledger.close();
    const port = await findFreePort();
    const api = spawnService('api.ts', { ...bench.env, PORT: String(port) });
    const started: ReturnType<typeof spawnService>[] = [];
    try {
      await waitForHttp(port, '/api/health/live');
      const token = await login(port);
      const pool = new RawPool(port, 128);
      const events = makeEvents(BACKLOG, 1 / LOCATIONS);
      const messageEvents = events.filter((event) => event.type.endsWith('Message')).length;
      const statuses = await sendAtRate(pool, events, 5000, new Map());
      // Hold the backlog until every worker process is up (booting processes would take the CPU from
      // the first one), then release it at once and wake them.
      const control = await bench.open();
      await control.db.execute(sql`update webhook_events set run_at = now() + interval '1 day' where status = 'pending'`);
      for (let index = 0; index < workers; index += 1) started.push(spawnService('worker.ts', bench.env));
      const bootDeadline = performance.now() + 180_000;
      for (;;) {
        const [listening] = await queryRows<{ count: number }>(
          control.db,
          sql`select count(*)::int as "count" from pg_stat_activity where datname = current_database() and application_name = 'switchboard-listener' and query = 'listen switchboard_webhook_events'`,
        );
        if ((listening?.count ?? 0) >= workers) break;
        if (performance.now() > bootDeadline) throw new Error('the worker processes did not start');
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const loadBefore = load();
      const begin = performance.now();
      await control.db.execute(sql`update webhook_events set run_at = now() where status = 'pending'`);
      await control.db.execute(sql`select pg_notify('switchboard_webhook_events', ${QUEUES.join(',')})`);
      await control.close();
      const drained = await waitForDrain(port, token, 900_000);
      const seconds = (performance.now() - begin) / 1000;
      const loadAfter = load();
      const database = await bench.open();
      const [counts] = await queryRows<{ finished: number; open: number; twice: number; ledger: number; messages: number; messagesTwice: number; first: number | null; last: number | null }>(
        database.db,
        sql`select (select count(*)::int from webhook_events where status in ('done', 'skipped')) as "finished",
            (select count(*)::int from webhook_events where status not in ('done', 'skipped')) as "open",
            (select count(*)::int from (select event_id from bench_finish_ledger group by event_id having count(*) > 1) d) as "twice",
            (select count(*)::int from bench_finish_ledger) as "ledger",
            (select count(distinct ghl_id)::int from bench_message_ledger) as "messages",
            (select count(*)::int from (select ghl_id from bench_message_ledger group by ghl_id having count(*) > 1) d) as "messagesTwice",
            (select extract(epoch from min(at)) * 1000 from bench_finish_ledger)::float8 as "first",
            (select extract(epoch from max(at)) * 1000 from bench_finish_ledger)::float8 as "last"`,
      );
      await database.close();
      // Processing time from the first to the last finish.
      const processingSeconds = counts?.first && counts.last ? (counts.last - counts.first) / 1000 : seconds;
      const perSecond = (counts?.finished ?? 0) / processingSeconds;
      if (workers === WORKER_COUNTS[0]) single = perSecond / workers;
      console.log(
        `  workers ×${workers}: ${fmt(perSecond, 0)} events/s (${counts?.finished} finished, ${counts?.open} not, in ${fmt(processingSeconds, 1)} s from the first finish to the last, ${fmt(seconds, 1)} s from release to drain seen; drained ${Number.isFinite(drained) ? 'yes' : 'no'}); ` +
          `efficiency ${fmt(perSecond / (single * workers), 2)}; load ${loadBefore} → ${loadAfter}`,
      );
      console.log(
        `    ledgers: ${counts?.ledger} finishes, events finished twice: ${counts?.twice}; ${counts?.messages} of ${messageEvents} message events wrote their message, written twice: ${counts?.messagesTwice}; ingest statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
      );
    } finally {
      await Promise.all(started.map((child) => stopProcess(child)));
      await stopProcess(api);
      await bench.drop();
    }
  }
}

const tempDir = mkdtempSync(join(tmpdir(), 'sb-bench-workers-'));
try {
  if (PARTS.has('fairness')) await priorityAndFairness(tempDir);
  if (PARTS.has('scale')) await scaleOut(tempDir);
} finally {
  rmSync(tempDir, { recursive: true, force: true });
}
