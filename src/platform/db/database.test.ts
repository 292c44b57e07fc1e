import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseEngine } from '../../../test/support/test-database.js';
import { isTransactionOpen, queryRows, refuseInsideTransaction, runMigrations, setTransactionTracking, type Database } from './index.js';
import { MIGRATIONS_FOLDER } from '../../main/wire.js';

// Every shape below runs on this run's engine and, on PGlite, also on a PGlite worker thread (the
// handle `npm start` uses on a data dir).
const handles: [string, () => Promise<Database>][] = [
  [`the test engine (${testDatabaseEngine()})`, () => createTestDatabase()],
  ...(testDatabaseEngine() === 'pglite' ? ([['PGlite on a worker thread', () => createTestDatabase({ pgliteThread: 'worker' })]] as [string, () => Promise<Database>][]) : []),
];

function findCode(error: unknown): string | undefined {
  for (let current: unknown = error; current; current = (current as { cause?: unknown }).cause) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

describe.each(handles)('database on %s', (_name, open) => {
  let database: Database;

  beforeAll(async () => {
    database = await open();
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

    it('rolls back to a savepoint and keeps the rest of the transaction', async () => {
      await database.system((tx) => tx.execute(sql`create table if not exists savepoint_probe (id int primary key)`));
      await database.system(async (tx) => {
        await tx.execute(sql`insert into savepoint_probe values (1)`);
        await expect(
          tx.transaction(async (savepoint) => {
            await savepoint.execute(sql`insert into savepoint_probe values (2)`);
            await savepoint.execute(sql`insert into savepoint_probe values (1)`);
          }),
        ).rejects.toThrow();
        await tx.execute(sql`insert into savepoint_probe values (3)`);
      });
      const rows = await queryRows<{ id: number }>(database.db, sql`select id from savepoint_probe order by id`);
      expect(rows.map((row) => row.id)).toEqual([1, 3]);
    });

    it('runs other queries only after an open transaction ends (one session), and sees its commit', async () => {
      await database.system((tx) => tx.execute(sql`create table if not exists session_probe (id int primary key)`));
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      const order: string[] = [];
      const transaction = database.system(async (tx) => {
        await tx.execute(sql`insert into session_probe values (1)`);
        await held;
        order.push('commit');
      });
      const outside = queryRows<{ count: number }>(database.db, sql`select count(*)::int as count from session_probe`).then((rows) => {
        order.push('outside');
        return rows[0]?.count;
      });
      // On PostgreSQL the outside read runs at once on another connection and sees nothing uncommitted.
      await new Promise((resolve) => setTimeout(resolve, 50));
      release();
      await transaction;
      const seen = await outside;
      if (database.engine === 'pglite') {
        expect(order).toEqual(['commit', 'outside']);
        expect(seen).toBe(1);
      } else {
        expect(seen).toBe(0);
      }
    });
  });

  describe('values and errors', () => {
    it('returns timestamps as strings, jsonb as objects, bigint ids exactly, bytea as bytes, numeric as text', async () => {
      const [row] = await queryRows<{ at: unknown; day: unknown; doc: unknown; big: unknown; small: unknown; bytes: unknown; amount: unknown; period: unknown }>(
        database.db,
        sql`select '2026-01-02 03:04:05.678+00'::timestamptz as at, '2026-01-02'::date as day, '{"a":[1,{"b":null}],"c":"é"}'::jsonb as doc,
          9007199254740993::int8 as big, 42::int8 as small, '\\x00ff10'::bytea as bytes, 12.50::numeric as amount, interval '90 minutes' as period`,
      );
      expect(typeof row?.at).toBe('string');
      expect(new Date(String(row?.at)).toISOString()).toBe('2026-01-02T03:04:05.678Z');
      expect(row?.day).toBe('2026-01-02');
      expect(row?.doc).toEqual({ a: [1, { b: null }], c: 'é' });
      expect(String(row?.big)).toBe('9007199254740993');
      expect(Number(row?.small)).toBe(42);
      expect(Buffer.from(row?.bytes as Uint8Array).toString('hex')).toBe('00ff10');
      expect(row?.amount).toBe('12.50');
      expect(typeof row?.period).toBe('string');
    });

    it('passes parameters of every kind through (dates, bigint, bytes, arrays, json text)', async () => {
      const [row] = await queryRows<{ at: string; big: string; bytes: string; list: string; doc: unknown }>(
        database.db,
        sql`select (${new Date('2026-05-06T07:08:09.000Z').toISOString()}::timestamptz at time zone 'UTC')::text as at, (${9007199254740993n}::int8)::text as big,
          encode(${Buffer.from([1, 2, 255])}::bytea, 'hex') as bytes, array_to_string(${sql.param(['x', 'y', null])}::text[], ',', '-') as list, ${JSON.stringify({ k: [1, 2] })}::jsonb as doc`,
      );
      expect(row).toEqual({ at: '2026-05-06 07:08:09', big: '9007199254740993', bytes: '0102ff', list: 'x,y,-', doc: { k: [1, 2] } });
    });

    it('runs a prepared statement many times at once, on every pooled connection, with the same rows and error codes as a drizzle query', async () => {
      await database.system((tx) => tx.execute(sql`create table if not exists prepared_probe (id int primary key, doc jsonb not null)`));
      const insert = { name: 'database_test_prepared_probe_v1', text: 'insert into prepared_probe (id, doc) select (d->>0)::int, d->1 from json_array_elements($1::json) d returning id, doc' };
      const answers = await Promise.all(Array.from({ length: 24 }, (_, index) => database.runPrepared<{ id: number; doc: unknown }>(insert, [JSON.stringify([[index, { n: index, text: 'é"\\' }]])])));
      expect(answers.map((rows) => rows)).toEqual(Array.from({ length: 24 }, (_, index) => [{ id: index, doc: { n: index, text: 'é"\\' } }]));
      const duplicate = await database.runPrepared(insert, [JSON.stringify([[3, {}]])]).catch((error: unknown) => error);
      expect(findCode(duplicate)).toBe('23505');
      const [count] = await queryRows<{ total: number }>(database.db, sql`select count(*)::int as total from prepared_probe`);
      expect(count?.total).toBe(24);
    });

    it('runs a prepared statement outside any open transaction: it commits on its own when that transaction rolls back', async () => {
      await database.system((tx) => tx.execute(sql`create table if not exists prepared_tx_probe (id int primary key)`));
      const insert = { name: 'database_test_prepared_tx_probe_v1', text: 'insert into prepared_tx_probe (id) values ($1::int) returning id' };
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      let isInside = false;
      const rolledBack = database
        .system(async (tx) => {
          await tx.execute(sql`insert into prepared_tx_probe (id) values (1)`);
          isInside = true;
          await released;
          throw new Error('roll back');
        })
        .catch((error: unknown) => (error as Error).message);
      for (let turn = 0; !isInside && turn < 10_000; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      expect(isInside).toBe(true);
      // Issued while the transaction is open (on PGlite it waits for it: one session).
      const outside = database.runPrepared<{ id: number }>(insert, [2]);
      for (let turn = 0; turn < 20; turn += 1) await new Promise((resolve) => setImmediate(resolve));
      release();
      expect(await rolledBack).toBe('roll back');
      expect(await outside).toEqual([{ id: 2 }]);
      expect(await queryRows<{ id: number }>(database.db, sql`select id from prepared_tx_probe order by id`)).toEqual([{ id: 2 }]);
    });

    it.runIf(testDatabaseEngine() === 'pglite')(
      'plans a statement written for lookups once, with sequential scans off, so an empty table at startup leaves no sequential scan in the plan it keeps (PGlite)',
      async () => {
        await database.system((tx) => tx.execute(sql`create table if not exists lookup_plan_probe (id bigint primary key, note text)`));
        // The claim's shape: rows found by ctid = any(…). On an empty table the planner prefers a sequential scan for it.
        const lookup = {
          name: 'database_test_lookup_plan_probe_v1',
          text: `update lookup_plan_probe set note = 'seen' where ctid = any(array(select ctid from lookup_plan_probe where id = $1::bigint)) returning id`,
          isPlannedForLookups: true,
        };
        // The first run, on the empty table, is when the statement's one plan is made and kept.
        expect(await database.runPrepared(lookup, ['1'])).toEqual([]);
        const plan = await database.system(async (tx) => {
          await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
          return queryRows<{ 'QUERY PLAN': string }>(tx, sql.raw(`explain execute database_test_lookup_plan_probe_v1('1')`));
        });
        const text = plan.map((row) => row['QUERY PLAN']).join('\n');
        expect(text).toContain('Tid Scan');
        expect(text).not.toContain('Seq Scan');
        // The settings were the statement's only: the session plans everything else as usual.
        const [setting] = await queryRows<{ enable_seqscan: string; plan_cache_mode: string }>(
          database.db,
          sql`select current_setting('enable_seqscan') as enable_seqscan, current_setting('plan_cache_mode') as plan_cache_mode`,
        );
        expect(setting).toEqual({ enable_seqscan: 'on', plan_cache_mode: 'auto' });
      },
    );

    it('keeps PostgreSQL error codes and fields (unique violation 23505, custom 40001), and the transaction rolls back', async () => {
      await database.system((tx) => tx.execute(sql`create table if not exists error_probe (id int primary key)`));
      const duplicate = await database
        .system(async (tx) => {
          await tx.execute(sql`insert into error_probe values (7)`);
          await tx.execute(sql`insert into error_probe values (7)`);
        })
        .catch((error: unknown) => error);
      expect(findCode(duplicate)).toBe('23505');
      const cause = (duplicate as { cause?: { constraint?: string; detail?: string; message?: string } }).cause;
      expect(cause?.constraint).toBe('error_probe_pkey');
      expect(cause?.detail).toContain('(id)=(7)');
      expect(cause?.message).toMatch(/duplicate key value/);
      const raised = await database.db.execute(sql`do $$ begin raise exception 'try again' using errcode = '40001'; end $$`).catch((error: unknown) => error);
      expect(findCode(raised)).toBe('40001');
      expect(await queryRows(database.db, sql`select id from error_probe`)).toEqual([]);
      // The session is usable after the failure.
      expect(await queryRows(database.db, sql`select 1 as one`)).toEqual([{ one: 1 }]);
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
});

describe.runIf(testDatabaseEngine() === 'pglite')('PGlite on a worker thread', () => {
  it('leaves the event loop turning while a long query runs (in this thread PGlite blocks it)', async () => {
    const turnsDuring = async (database: Database) => {
      let turns = 0;
      const timer = setInterval(() => (turns += 1), 5);
      try {
        await database.db.execute(sql`select count(*) from generate_series(1, 3000000) as n where n % 7 = 3`);
      } finally {
        clearInterval(timer);
      }
      return turns;
    };
    const inThread = await createTestDatabase({ pgliteThread: 'main' });
    const onWorker = await createTestDatabase({ pgliteThread: 'worker' });
    try {
      const [blocked, free] = [await turnsDuring(inThread), await turnsDuring(onWorker)];
      expect(blocked).toBeLessThanOrEqual(1);
      expect(free).toBeGreaterThanOrEqual(3);
    } finally {
      await inThread.close();
      await onWorker.close();
    }
  });

  it('refuses queries after close', async () => {
    const database = await createTestDatabase({ pgliteThread: 'worker' });
    await database.close();
    const error = await database.db.execute(sql`select 1`).catch((failure: unknown) => failure);
    expect((error as { cause?: Error }).cause?.message).toBe('PGlite is closed');
  });
});

describe('transaction tracking', () => {
  it('is off where the HTTP guard is off: no async context is tracked, and transactions work the same', async () => {
    const database = await createTestDatabase();
    setTransactionTracking(false);
    try {
      const seen = await database.system(async (tx) => {
        await tx.execute(sql`select 1`);
        return isTransactionOpen();
      });
      expect(seen).toBe(false);
    } finally {
      setTransactionTracking(true);
    }
    expect(await database.system(async () => isTransactionOpen())).toBe(true);
    await database.close();
  });
});
