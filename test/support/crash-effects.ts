import { sql } from 'drizzle-orm';
import type { Executor } from '../../src/platform/db/index.js';

/**
 * The crash tests' effect log: a trigger on `contacts` records, for every committed write of the
 * product's contact processor, the delivery it came from (the webhookId the row's raw payload
 * carries) and its transaction, so effects can be counted per delivery. A rolled-back (killed)
 * transaction leaves nothing here, as it leaves nothing in `contacts`. Also the test tenant: one
 * agency with three installed locations `loc_0..2`.
 */
export async function installEffectLog(executor: Executor): Promise<void> {
  await executor.execute(sql`create table if not exists crash_effects (seq bigserial primary key, delivery_id text, ghl_id text not null, first_name text, txid bigint not null)`);
  await executor.execute(sql`create or replace function crash_log_contact_write() returns trigger language plpgsql as $$
    begin
      insert into crash_effects (delivery_id, ghl_id, first_name, txid) values (new.raw->>'webhookId', new.ghl_id, new.first_name, txid_current());
      return new;
    end $$`);
  await executor.execute(sql`drop trigger if exists crash_log_contact_write on contacts`);
  await executor.execute(sql`create trigger crash_log_contact_write after insert or update on contacts for each row execute function crash_log_contact_write()`);
  await executor.execute(sql`insert into companies (id, name, ghl_company_id) values ('co_crash', 'Crash test', 'ghl_co_crash') on conflict do nothing`);
  for (let index = 0; index < 3; index += 1) {
    await executor.execute(sql`insert into locations (id, company_id, name, ghl_location_id) values (${`loc_crash_${index}`}, 'co_crash', 'Crash', ${`loc_${index}`}) on conflict do nothing`);
  }
}

