import { sql } from 'drizzle-orm';
import { bootstrap, onShutdown } from '../src/main/bootstrap.js';
import { startBackgroundWork, wireApp } from '../src/main/wire.js';
import { queryRows } from '../src/platform/db/index.js';
import { installEffectLog } from './support/crash-effects.js';

/**
 * The real service for the crash tests, with the product's own processors (wire.ts subscribes the
 * CRM and GHL modules). CRASH_ROLE: `all` (API + workers in one process, as `npm start` on PGlite),
 * `api` or `worker` (as `npm run api` / `npm run worker` on PostgreSQL).
 *
 * Two test hooks, neither of which changes what the product does with an event:
 * - CRASH_SETUP=1 installs the effect log (test/support/crash-effects.ts);
 * - CRASH_AFTER_APPLICATIONS=N subscribes one more processor to the contact events (after the CRM
 *   one, skipping so the skip rule is unchanged) that SIGKILLs this process during its Nth
 *   application: a transaction is open and the rest of the batch is claimed (running) at that moment.
 */
const role = process.env.CRASH_ROLE ?? 'all';
const booted = await bootstrap(`crash-${role}`);
const db = booted.database.db;
if (process.env.CRASH_SETUP === '1') await installEffectLog(db);
// What the crash left behind, read before any worker of this process starts.
const runningAtStart = await queryRows<{ id: string; deliveryId: string; lockedBy: string | null }>(
  db,
  sql`select id::text as id, delivery_id as "deliveryId", locked_by as "lockedBy" from webhook_events where status = 'running' order by id`,
);
const wired = await wireApp(booted);

const crashAfter = Number(process.env.CRASH_AFTER_APPLICATIONS ?? '0');
if (crashAfter > 0) {
  let applications = 0;
  wired.processors.subscribe({
    eventTypes: ['ContactCreate', 'ContactUpdate'],
    process: async () => {
      applications += 1;
      if (applications >= crashAfter) process.kill(process.pid, 'SIGKILL');
      return { status: 'skipped', reason: 'crash trigger: counts applications' };
    },
  });
}

if (role !== 'worker') {
  wired.app.get('/test/summary', async () => ({
    runningAtStart,
    events: await queryRows(
      db,
      sql`select delivery_id as "deliveryId", status, attempts, locked_by as "lockedBy", count(*) over (partition by delivery_id)::int as "rows" from webhook_events order by id`,
    ),
    effects: await queryRows(db, sql`select delivery_id as "deliveryId", count(distinct txid)::int as "count" from crash_effects group by delivery_id`),
    state: await queryRows(db, sql`select ghl_id as "entityId", first_name as name from contacts where location_id like 'loc_crash_%' order by ghl_id`),
  }));
  await wired.app.listen({ host: '127.0.0.1', port: booted.config.http.port });
}
const background = role === 'api' ? undefined : startBackgroundWork(wired, booted.config);
process.stdout.write(`crash-test ${role} ready${background ? ` worker=${background.workerId}` : ''}\n`);
onShutdown(booted.logger, 5000, [
  { name: 'http server', run: () => wired.app.close() },
  { name: 'background work', run: async () => background?.stop() },
  { name: 'database', run: () => booted.database.close() },
]);
