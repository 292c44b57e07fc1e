import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { isTransactionOpen, queryRows, refuseInsideTransaction, runMigrations, type Database } from './index.js';
import { MIGRATIONS_FOLDER } from '../../main/wire.js';

let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
  await database.system(async (tx) => {
    await tx.execute(sql`insert into companies (id, name) values ('co_a', 'Agency A'), ('co_b', 'Agency B')`);
    await tx.execute(sql`insert into locations (id, company_id, name) values ('loc_a1', 'co_a', 'A1'), ('loc_a2', 'co_a', 'A2'), ('loc_b1', 'co_b', 'B1')`);
  });
});

afterAll(async () => {
  await database.close();
});

describe('transactions', () => {
  it('stores exactly the committed half of 20 concurrent transactions', async () => {
    await database.system((tx) => tx.execute(sql`create table if not exists tx_probe (id int primary key, company_id text)`));
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, index) =>
        database.system(async (tx) => {
          await tx.execute(sql`insert into tx_probe (id, company_id) values (${index}, 'co_a')`);
          await tx.execute(sql`insert into tx_probe (id, company_id) values (${index + 100}, 'co_a')`);
          if (index % 2 === 1) throw new Error(`roll back ${index}`);
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(10);
    const rows = await queryRows<{ id: number }>(database.db, sql`select id from tx_probe order by id`);
    const expected = Array.from({ length: 10 }, (_, half) => half * 2);
    expect(rows.map((row) => row.id)).toEqual([...expected, ...expected.map((id) => id + 100)]);
  });

  it('knows when a transaction is open, and a task that outlives its transaction is outside it', async () => {
    expect(isTransactionOpen()).toBe(false);
    expect(refuseInsideTransaction()).toBeUndefined();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let seenAfterCommit: boolean | undefined;
    let outliving: Promise<void> = Promise.resolve();
    await database.system(async () => {
      expect(isTransactionOpen()).toBe(true);
      expect(refuseInsideTransaction()).toMatch(/transaction is open/);
      // Started inside, still running after the commit (as a job woken from a transaction would be).
      outliving = released.then(() => {
        seenAfterCommit = isTransactionOpen();
      });
    });
    await database.tenant({ companyId: 'co_a', locationIds: '*' }, async () => expect(isTransactionOpen()).toBe(true));
    expect(isTransactionOpen()).toBe(false);
    release();
    await outliving;
    expect(seenAfterCommit).toBe(false);
  });

  it('re-running the migrations applies nothing', async () => {
    const { appliedNow } = await runMigrations(database, MIGRATIONS_FOLDER);
    expect(appliedNow).toEqual([]);
  });
});

describe('row-level security', () => {
  it('runs tenant transactions as the non-superuser app role', async () => {
    const [row] = await database.tenant({ companyId: 'co_a', locationIds: '*' }, (tx) =>
      queryRows<{ role: string; isSuper: string }>(tx, sql`select current_user as role, current_setting('is_superuser') as "isSuper"`),
    );
    expect(row).toEqual({ role: 'switchboard_app', isSuper: 'off' });
  });

  it('shows only the current tenant, and nothing without tenant context', async () => {
    const own = await database.tenant({ companyId: 'co_a', locationIds: '*' }, (tx) => queryRows<{ id: string }>(tx, sql`select id from locations order by id`));
    expect(own.map((row) => row.id)).toEqual(['loc_a1', 'loc_a2']);

    const other = await database.tenant({ companyId: 'co_b', locationIds: '*' }, (tx) => queryRows<{ id: string }>(tx, sql`select id from locations order by id`));
    expect(other.map((row) => row.id)).toEqual(['loc_b1']);

    const oneLocation = await database.tenant({ companyId: 'co_a', locationIds: ['loc_a2'] }, (tx) => queryRows<{ id: string }>(tx, sql`select id from locations`));
    expect(oneLocation.map((row) => row.id)).toEqual(['loc_a2']);

    const noContext = await database.system(async (tx) => {
      await tx.execute(sql`select set_config('role', 'switchboard_app', true)`);
      return queryRows<{ id: string }>(tx, sql`select id from locations union all select id from companies`);
    });
    expect(noContext).toEqual([]);

    const foreignCompany = await database.tenant({ companyId: 'co_b', locationIds: ['loc_a1'] }, (tx) => queryRows<{ id: string }>(tx, sql`select id from locations`));
    expect(foreignCompany).toEqual([]);
  });

  it('refuses to write a row into another tenant', async () => {
    await expect(
      database.tenant({ companyId: 'co_a', locationIds: '*' }, (tx) => tx.execute(sql`insert into locations (id, company_id, name) values ('loc_x', 'co_b', 'X')`)),
    ).rejects.toThrow();
    const changed = await database.tenant({ companyId: 'co_a', locationIds: '*' }, (tx) =>
      queryRows<{ id: string }>(tx, sql`update locations set name = 'hacked' where id = 'loc_b1' returning id`),
    );
    expect(changed).toEqual([]);
    const [b1] = await queryRows<{ name: string }>(database.db, sql`select name from locations where id = 'loc_b1'`);
    expect(b1?.name).toBe('B1');
  });

  it('does not leak tenant settings past the transaction', async () => {
    await database.tenant({ companyId: 'co_a', locationIds: '*' }, async () => undefined);
    const [row] = await queryRows<{ company: string | null; role: string }>(database.db, sql`select current_setting('app.company_id', true) as company, current_user as role`);
    expect(row?.company ?? '').toBe('');
    expect(row?.role).not.toBe('switchboard_app');
  });

  it('enables RLS on every table that has a company_id column', async () => {
    const rows = await queryRows<{ table: string; isEnabled: boolean }>(
      database.db,
      sql`select c.relname as "table", c.relrowsecurity as "isEnabled"
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind = 'r'
            and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'company_id')`,
    );
    expect(rows.length).toBeGreaterThan(3);
    expect(rows.filter((row) => !row.isEnabled && row.table !== 'tx_probe')).toEqual([]);
  });
});
