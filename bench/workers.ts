/**
 * `npm run bench:workers` — how the webhook workers share out the work (issue 14 points 3 and 6).
 *
 * 1. Priority and fairness (`npm start`'s process: API + workers): an unloaded phase spread evenly over
 *    the locations, then a loaded phase in which one location sends 80 % of the traffic. Prints the
 *    receipt → done p50/p95 per queue at each load, and the quiet locations' p95 loaded vs unloaded.
 * 2. Scale-out (PostgreSQL only): one API process receives a backlog with no workers running, then
 *    1, 2 and 4 `npm run worker` processes drain it; prints events/s and scaling efficiency, and an
 *    effects ledger (a trigger counting each event's transitions to done) proving none was applied twice.
 *
 * Engine: PGlite in a temp dir by default; BENCH_DATABASE_URL (or DATABASE_URL) = a PostgreSQL server
 * (a fresh database per scenario). Knobs: BENCH_SECONDS (10), BENCH_UNLOADED_RATE (100),
 * BENCH_LOADED_RATE (PostgreSQL 900, PGlite 400), BENCH_BACKLOG (20000), BENCH_WORKERS ("1,2,4").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { queryRows } from '../src/platform/db/index.js';
import { buildEvent, createBenchDatabase, fmt, percentile, RawPool, sendAtRate, spawnService, stopProcess, waitForHttp, type BenchDatabase, type SignedEvent } from './support/webhook-load.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const UNLOADED_RATE = Number(process.env.BENCH_UNLOADED_RATE ?? 100);
const LOADED_RATE = Number(process.env.BENCH_LOADED_RATE ?? (ADMIN_URL ? 900 : 400));
const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 20_000);
const WORKER_COUNTS = (process.env.BENCH_WORKERS ?? '1,2,4').split(',').map(Number);
const LOCATIONS = 10;
const HOT_LOCATION = 'loc_0';

/** The event mix: critical, messages, contacts and projects queues. */
const MIX: readonly (readonly [string, number])[] = [
  ['INSTALL', 0.05],
  ['InboundMessage', 0.4],
  ['ContactUpdate', 0.3],
  ['ContactCreate', 0.1],
  ['OpportunityUpdate', 0.15],
];

let counter = 0;
function typeAt(index: number): string {
  let pick = (index * 0.6180339887) % 1;
  for (const [type, share] of MIX) {
    if (pick < share) return type;
    pick -= share;
  }
  return 'InboundMessage';
}

/** `count` events; `hotShare` of them from the hot location, the rest spread over the others. */
function makeEvents(count: number, hotShare: number): SignedEvent[] {
  return Array.from({ length: count }, () => {
    counter += 1;
    const isHot = ((counter * 0.7548776662) % 1) < hotShare;
    const locationId = isHot ? HOT_LOCATION : `loc_${1 + (counter % (LOCATIONS - 1))}`;
    return buildEvent(typeAt(counter), locationId, counter);
  });
}

interface FinishedRow {
  deliveryId: string;
  queue: string;
  ghlLocationId: string | null;
  finishedMs: number | null;
}

async function waitForDrain(bench: BenchDatabase, timeoutMs: number): Promise<number> {
  const database = await bench.open();
  const started = performance.now();
  try {
    for (;;) {
      const [row] = await queryRows<{ open: number }>(database.db, sql`select count(*)::int as "open" from webhook_events where status in ('pending', 'running', 'retry')`);
      if ((row?.open ?? 0) === 0) return (performance.now() - started) / 1000;
      if (performance.now() - started > timeoutMs) return NaN;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    await database.close();
  }
}

async function readFinished(bench: BenchDatabase): Promise<FinishedRow[]> {
  const database = await bench.open();
  try {
    return await queryRows<FinishedRow & Record<string, unknown>>(
      database.db,
      sql`select delivery_id as "deliveryId", queue, ghl_location_id as "ghlLocationId", (extract(epoch from finished_at) * 1000)::float8 as "finishedMs" from webhook_events`,
    );
  } finally {
    await database.close();
  }
}

function latencies(rows: readonly FinishedRow[], sentAt: Map<string, number>, keep: (row: FinishedRow) => boolean): number[] {
  return rows.flatMap((row) => {
    const sent = sentAt.get(row.deliveryId);
    return row.finishedMs !== null && sent !== undefined && keep(row) ? [row.finishedMs - sent] : [];
  });
}

async function priorityAndFairness(tempDir: string): Promise<void> {
  const bench = await createBenchDatabase({ adminUrl: ADMIN_URL, pgliteDir: join(tempDir, 'fair'), locations: LOCATIONS });
  const port = 30_000 + Math.floor(Math.random() * 20_000);
  // The claim takes a few rows per location per round (fairness), so the hot location cannot fill a batch.
  const service = spawnService('all.ts', { ...bench.env, PORT: String(port) });
  try {
    await waitForHttp(port, '/api/health/live');
    const pool = new RawPool(port, 128);
    console.log(`\n1. priority and fairness — ${bench.engine}, ${cpus().length} CPUs, npm start (API + workers in one process)`);
    const phases = [
      { name: 'unloaded', rate: UNLOADED_RATE, hotShare: 1 / LOCATIONS },
      { name: 'loaded', rate: LOADED_RATE, hotShare: 0.8 },
    ];
    const quietP95 = new Map<string, number>();
    for (const phase of phases) {
      const events = makeEvents(phase.rate * SECONDS, phase.hotShare);
      const sentAt = new Map<string, number>();
      const statuses = await sendAtRate(pool, events, phase.rate, sentAt);
      const drained = await waitForDrain(bench, 600_000);
      const rows = (await readFinished(bench)).filter((row) => sentAt.has(row.deliveryId));
      const byQueue = ['critical', 'messages', 'contacts', 'projects'].map((queue) => {
        const values = latencies(rows, sentAt, (row) => row.queue === queue);
        return `${queue} p50 ${fmt(percentile(values, 50), 0)} / p95 ${fmt(percentile(values, 95), 0)} ms`;
      });
      const quiet = latencies(rows, sentAt, (row) => row.ghlLocationId !== HOT_LOCATION);
      const hot = latencies(rows, sentAt, (row) => row.ghlLocationId === HOT_LOCATION);
      quietP95.set(phase.name, percentile(quiet, 95));
      console.log(`  ${phase.name}: ${phase.rate}/s for ${SECONDS} s, ${fmt(phase.hotShare * 100, 0)} % from ${HOT_LOCATION}; statuses ${JSON.stringify(Object.fromEntries(statuses))}; drained ${fmt(drained, 1)} s after`);
      console.log(`    per queue: ${byQueue.join('; ')}`);
      console.log(`    quiet locations p95 ${fmt(percentile(quiet, 95), 0)} ms (n=${quiet.length}); hot location p95 ${fmt(percentile(hot, 95), 0)} ms (n=${hot.length})`);
    }
    const ratio = (quietP95.get('loaded') ?? NaN) / (quietP95.get('unloaded') ?? NaN);
    console.log(`  quiet locations' p95, loaded / unloaded: ${fmt(ratio, 2)}× (target ≤ 2×)`);
  } finally {
    await stopProcess(service);
    await bench.drop();
  }
}

async function scaleOut(tempDir: string): Promise<void> {
  if (!ADMIN_URL) {
    console.log('\n2. scale-out: needs PostgreSQL (BENCH_DATABASE_URL); a PGlite data dir is one process.');
    return;
  }
  console.log(`\n2. scale-out — PostgreSQL, api ×1 + npm run worker ×N as OS processes, backlog of ${BACKLOG} events`);
  let single = NaN;
  for (const workers of WORKER_COUNTS) {
    const bench = await createBenchDatabase({ adminUrl: ADMIN_URL, pgliteDir: join(tempDir, `scale-${workers}`), locations: LOCATIONS });
    const ledger = await bench.open();
    // The effects ledger: every transition of an event to done/skipped, committed with its effects.
    await ledger.db.execute(sql`create table bench_finish_ledger (event_id bigint not null, at timestamptz not null default clock_timestamp())`);
    await ledger.db.execute(sql`create function bench_record_finish() returns trigger language plpgsql as $$
      begin insert into bench_finish_ledger (event_id) values (new.id); return new; end $$`);
    await ledger.db.execute(sql`create trigger bench_finish after update of status on webhook_events
      for each row when (old.status = 'running' and new.status in ('done', 'skipped')) execute function bench_record_finish()`);
    await ledger.close();
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const api = spawnService('api.ts', { ...bench.env, PORT: String(port) });
    const started: ReturnType<typeof spawnService>[] = [];
    try {
      await waitForHttp(port, '/api/health/live');
      const pool = new RawPool(port, 128);
      const events = makeEvents(BACKLOG, 1 / LOCATIONS);
      const statuses = await sendAtRate(pool, events, 5000, new Map());
      const begin = performance.now();
      for (let index = 0; index < workers; index += 1) started.push(spawnService('worker.ts', bench.env));
      const drained = await waitForDrain(bench, 900_000);
      const seconds = (performance.now() - begin) / 1000;
      const database = await bench.open();
      const [counts] = await queryRows<{ finished: number; twice: number; ledger: number; first: number | null; last: number | null }>(
        database.db,
        sql`select (select count(*)::int from webhook_events where status in ('done', 'skipped')) as "finished",
            (select count(*)::int from (select event_id from bench_finish_ledger group by event_id having count(*) > 1) d) as "twice",
            (select count(*)::int from bench_finish_ledger) as "ledger",
            (select extract(epoch from min(at)) * 1000 from bench_finish_ledger)::float8 as "first",
            (select extract(epoch from max(at)) * 1000 from bench_finish_ledger)::float8 as "last"`,
      );
      await database.close();
      // Processing time from the first to the last finish (worker start-up excluded).
      const processingSeconds = counts?.first && counts.last ? (counts.last - counts.first) / 1000 : seconds;
      const perSecond = (counts?.finished ?? 0) / processingSeconds;
      if (workers === WORKER_COUNTS[0]) single = perSecond / workers;
      console.log(
        `  workers ×${workers}: ${fmt(perSecond, 0)} events/s (${counts?.finished} finished in ${fmt(processingSeconds, 1)} s of processing, ${fmt(seconds, 1)} s with start-up; drained ${Number.isFinite(drained) ? 'yes' : 'no'}); ` +
          `efficiency ${fmt(perSecond / (single * workers), 2)}; ledger ${counts?.ledger} finishes, applied twice: ${counts?.twice}; ingest statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
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
  await priorityAndFairness(tempDir);
  await scaleOut(tempDir);
} finally {
  rmSync(tempDir, { recursive: true, force: true });
}
