/**
 * `npx tsx bench/ingest-claim.ts` — how long one fair, ordered claim (50 rows) takes with a big
 * backlog: half of it one location's burst on few entities, half spread over many locations.
 * PGlite in memory by default; BENCH_DATABASE_URL = a PostgreSQL server (a scratch database is used).
 * BENCH_BACKLOG sets the backlog size (default 200000).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'drizzle-orm';
import { openDatabase, runMigrations, type Database } from '../src/platform/db/index.js';
import { MIGRATIONS_FOLDER } from '../src/main/wire.js';
import { claimInboxRows, finishInboxRow, insertInboxRows, type NewInboxRow } from '../src/modules/webhooks/webhook-inbox.repo.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 200_000);
const adminUrl = process.env.BENCH_DATABASE_URL;
let database: Database;
let drop = async () => undefined as unknown;
if (adminUrl) {
  const name = `sb_claim_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  database = await openDatabase({ engine: 'postgres', url: url.toString(), poolMax: 4 });
  drop = async () => {
    const dropper = new pg.Client({ connectionString: adminUrl });
    await dropper.connect();
    await dropper.query(`drop database if exists ${name} with (force)`);
    await dropper.end();
  };
} else {
  database = await openDatabase({ engine: 'pglite-memory' });
}
await runMigrations(database, MIGRATIONS_FOLDER);

const row = (index: number): NewInboxRow => {
  const isBurst = index % 2 === 0;
  const location = isBurst ? 'loc_burst' : `loc_${index % 500}`;
  const entity = isBurst ? `c_${index % 1000}` : `c_${index}`;
  return {
    provider: 'ghl',
    deliveryId: `d_${index}`,
    eventType: 'ContactUpdate',
    queue: 'contacts',
    priority: 20,
    ghlLocationId: location,
    ghlCompanyId: null,
    fairnessKey: location,
    orderingKey: `ghl:${location}:contact:${entity}`,
    occurredAt: null,
    payloadJson: JSON.stringify({ type: 'ContactUpdate', id: entity, locationId: location, firstName: 'Ada' }),
    bodySha256: 'x',
  };
};
const started = performance.now();
for (let offset = 0; offset < BACKLOG; offset += 1000) await insertInboxRows(database, Array.from({ length: Math.min(1000, BACKLOG - offset) }, (_, index) => row(offset + index)));
if (database.engine === 'postgres') await database.db.execute(sql`analyze webhook_events`);
console.log(`${database.engine}: backlog of ${BACKLOG} rows inserted in ${((performance.now() - started) / 1000).toFixed(1)} s`);

const timings: number[] = [];
let cursor = '';
let claimedTotal = 0;
for (let round = 0; round < 30; round += 1) {
  const claimStarted = performance.now();
  const claimed = await claimInboxRows(database, { queue: 'contacts', workerId: 'bench', batchSize: 50, perLocation: 10, leaseSeconds: 60, afterFairnessKey: cursor });
  timings.push(performance.now() - claimStarted);
  claimedTotal += claimed.length;
  cursor = claimed.length < 50 ? '' : claimed.reduce((max, item) => (item.fairnessKey > max ? item.fairnessKey : max), '');
  for (const item of claimed) await finishInboxRow(database.db, { id: item.id, workerId: 'bench', status: 'done', note: null });
}
timings.sort((a, b) => a - b);
console.log(`claim of up to 50 rows: p50 ${timings[15]?.toFixed(1)} ms, max ${timings.at(-1)?.toFixed(1)} ms (${claimedTotal} rows claimed in 30 claims)`);
await database.close();
await drop();
