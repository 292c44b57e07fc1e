import { sql } from 'drizzle-orm';
import { bootstrap, onShutdown } from '../src/main/bootstrap.js';
import { wireApp } from '../src/main/wire.js';
import { queryRows } from '../src/platform/db/index.js';
import { CRM_WEBHOOK_ROUTES } from '../src/modules/crm/index.js';

/**
 * The real service (API + workers in one process, like `npm start`) with one test processor whose
 * every application is logged, so the crash test can count effects per delivery.
 */
const booted = await bootstrap('crash-test');
const wired = await wireApp({ ...booted, withDefaultProcessors: false });
const db = booted.database.db;
await db.execute(sql`create table if not exists wh_crash_effects (seq serial primary key, delivery_id text not null, entity_id text not null, name text not null)`);
await db.execute(sql`create table if not exists wh_crash_state (entity_id text primary key, name text not null)`);
// The test's GHL locations are installed, so the product's own processors (wired in wire.ts) apply the events too.
await db.execute(sql`insert into companies (id, name, ghl_company_id) values ('co_crash', 'Crash test', 'ghl_co_crash') on conflict do nothing`);
for (let index = 0; index < 3; index += 1) {
  await db.execute(sql`insert into locations (id, company_id, name, ghl_location_id) values (${`loc_crash_${index}`}, 'co_crash', 'Crash', ${`loc_${index}`}) on conflict do nothing`);
}
wired.processors.register('ContactUpdate', CRM_WEBHOOK_ROUTES.contact, async (tx, event) => {
  const entityId = String(event.payload.id);
  const name = String(event.payload.name);
  await tx.execute(sql`insert into wh_crash_effects (delivery_id, entity_id, name) values (${event.deliveryId}, ${entityId}, ${name})`);
  await tx.execute(sql`insert into wh_crash_state (entity_id, name) values (${entityId}, ${name}) on conflict (entity_id) do update set name = excluded.name`);
  return { status: 'done' };
});
wired.app.get('/test/summary', async () => ({
  events: await queryRows(db, sql`select delivery_id as "deliveryId", status, count(*) over (partition by delivery_id)::int as "rows" from webhook_events`),
  effects: await queryRows(db, sql`select delivery_id as "deliveryId", count(*)::int as "count" from wh_crash_effects group by delivery_id`),
  state: await queryRows(db, sql`select entity_id as "entityId", name from wh_crash_state`),
}));
await wired.app.listen({ host: '127.0.0.1', port: booted.config.http.port });
const workers = wired.webhooks.startWorkers();
process.stdout.write('crash-test service ready\n');
onShutdown(booted.logger, 5000, [() => wired.app.close(), () => workers.stop(), () => booted.database.close()]);
