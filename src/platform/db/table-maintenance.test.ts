import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';
import { waitFor } from '../../../test/support/spawn-service.js';
import { TABLE_UPKEEP_JOB_NAME } from '../../modules/health/create-health-module.js';
import { findTablesNeedingUpkeep, queryRows, upkeepTables } from './index.js';

/**
 * PGlite has no autovacuum (single-user mode), so the service vacuums and analyzes itself. The probe
 * table has autovacuum turned off so that, on a PostgreSQL server, autovacuum cannot get there first.
 */
let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
  await app.database.db.execute(sql`create table upkeep_probe (id int primary key, note text) with (autovacuum_enabled = false)`);
  await app.database.db.execute(sql`create table upkeep_quiet (id int primary key) with (autovacuum_enabled = false)`);
  await app.database.db.execute(sql`insert into upkeep_quiet select g from generate_series(1, 10) g`);
});
afterAll(async () => app.close());

const statsOf = async (table: string) =>
  (
    await queryRows<{ deadTuples: number; lastVacuum: string | null; lastAnalyze: string | null; estimatedTuples: number }>(
      app.database.db,
      sql`select s.n_dead_tup::int as "deadTuples", s.last_vacuum::text as "lastVacuum", s.last_analyze::text as "lastAnalyze", c.reltuples::float8 as "estimatedTuples"
        from pg_stat_user_tables s join pg_class c on c.oid = s.relid where s.relname = ${table}`,
    )
  )[0];

describe('table upkeep (vacuum and analyze where autovacuum does not run)', () => {
  it('vacuums and analyzes a churned table, leaves a quiet one alone, and counts it on /metrics', async () => {
    await app.database.db.execute(sql`insert into upkeep_probe select g, 'new' from generate_series(1, 2000) g`);
    await app.database.db.execute(sql`update upkeep_probe set note = 'updated'`);
    await app.database.db.execute(sql`delete from upkeep_probe where id > 1000`);
    expect((await statsOf('upkeep_probe'))?.lastVacuum).toBeNull();
    // On PostgreSQL other backends' counters reach pg_stat within a few seconds; PGlite's at once.
    const needs = await waitFor(
      async () => {
        const found = await findTablesNeedingUpkeep(app.database);
        return found.some((need) => need.table === 'upkeep_probe' && need.action === 'vacuum') ? found : undefined;
      },
      20_000,
      'upkeep_probe to show its dead tuples',
    );
    expect(needs.find((need) => need.table === 'upkeep_probe')?.deadTuples).toBeGreaterThanOrEqual(2000);
    expect(needs.some((need) => need.table === 'upkeep_quiet')).toBe(false);

    const job = app.scheduledJobs.find((scheduled) => scheduled.name === TABLE_UPKEEP_JOB_NAME);
    if (app.database.engine === 'pglite') {
      expect(job?.cron).toBe('* * * * *');
      const summary = (await job?.run()) as { tables: string[] };
      expect(summary.tables.some((line) => line.startsWith('vacuum upkeep_probe'))).toBe(true);
    } else {
      // A server's autovacuum does this; the service schedules nothing there, and a pass still works.
      expect(job).toBeUndefined();
      const done = await upkeepTables(app.database, { maxTables: 50 });
      expect(done.some((entry) => entry.table === 'upkeep_probe' && entry.action === 'vacuum')).toBe(true);
    }

    const after = await statsOf('upkeep_probe');
    expect(after?.lastVacuum).not.toBeNull();
    expect(after?.lastAnalyze).not.toBeNull();
    expect(after?.deadTuples).toBe(0);
    expect(after?.estimatedTuples).toBe(1000);
    expect((await statsOf('upkeep_quiet'))?.lastVacuum).toBeNull();
    expect((await findTablesNeedingUpkeep(app.database)).some((need) => need.table === 'upkeep_probe')).toBe(false);

    if (app.database.engine === 'pglite') {
      const metrics = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toContain('switchboard_db_table_upkeep_total{table="upkeep_probe",action="vacuum"} 1');
      expect(metrics).toContain('switchboard_db_table_upkeep_duration_seconds_count{action="vacuum"}');
    }
  });

  it('analyzes a table whose rows changed without dead tuples (inserts only)', async () => {
    await app.database.db.execute(sql`create table upkeep_inserts (id int primary key) with (autovacuum_enabled = false)`);
    await app.database.db.execute(sql`insert into upkeep_inserts select g from generate_series(1, 500) g`);
    await waitFor(
      async () => ((await findTablesNeedingUpkeep(app.database)).some((need) => need.table === 'upkeep_inserts' && need.action === 'analyze') ? true : undefined),
      20_000,
      'upkeep_inserts to need an analyze',
    );
    const done = await upkeepTables(app.database, { maxTables: 50 });
    expect(done.find((entry) => entry.table === 'upkeep_inserts')?.action).toBe('analyze');
    const after = await statsOf('upkeep_inserts');
    expect(after?.lastAnalyze).not.toBeNull();
    expect(after?.lastVacuum).toBeNull();
    expect(after?.estimatedTuples).toBe(500);
  });
});
