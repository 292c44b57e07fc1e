import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { queryRows, runMigrations, type Database } from '../src/platform/db/index.js';
import { findStepHighWaterMarks, findRun, listRunSteps } from '../src/platform/runs/index.js';
import { readSyncProgress } from '../src/modules/crm/sync/get-sync-progress.js';
import { createEmptyTestDatabase } from './support/test-database.js';

/*
 * An install upgraded across the run engine's migrations keeps its setup sync and reconciliation
 * history: the rows of sync_runs/sync_steps and reconcile_runs/reconcile_run_entities are copied into
 * runs/run_steps before the old tables are dropped, and read back through today's views.
 */

const MIGRATIONS = join(process.cwd(), 'migrations');
const LAST_BEFORE_RUN_ENGINE = '0014_crm_owns_push_jobs';
let database: Database;
let oldFolder = '';

beforeAll(async () => {
  oldFolder = mkdtempSync(join(tmpdir(), 'switchboard-migrations-'));
  cpSync(MIGRATIONS, oldFolder, { recursive: true });
  const journalPath = join(oldFolder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number; tag: string }[] };
  const cut = journal.entries.findIndex((entry) => entry.tag === LAST_BEFORE_RUN_ENGINE);
  writeFileSync(journalPath, JSON.stringify({ ...journal, entries: journal.entries.slice(0, cut + 1) }));
  database = await createEmptyTestDatabase();
});

afterAll(async () => {
  await database?.close();
  rmSync(oldFolder, { recursive: true, force: true });
});

describe('run engine migration', () => {
  it('copies setup sync and reconciliation history into runs and run_steps, then drops the old tables', async () => {
    await runMigrations(database, oldFolder);
    await database.system(async (tx) => {
      await tx.execute(sql`insert into jobs (kind, payload, idempotency_key, status) values ('ghl.setup-sync', '{"runId":"sync_old"}', 'sync_old', 'done')`);
      await tx.execute(sql`insert into sync_runs (id, company_id, location_id, ghl_location_id, trigger, status, grade, started_at, usable_at, finished_at, report, created_at, updated_at)
        values ('sync_old', 'co_1', 'loc_1', 'ghl_loc_1', 'install', 'done', 'B', '2026-03-01T10:00:00Z', '2026-03-01T10:00:01.500Z', '2026-03-01T10:00:40Z',
          '{"grade":"B","reasons":["all steps done"],"totalSeconds":40}', '2026-03-01T09:59:59Z', '2026-03-01T10:00:40Z')`);
      await tx.execute(sql`insert into sync_steps (run_id, step, company_id, location_id, position, status, attempts, cursor, record_count, request_count, rate_limited_count, duration_ms, started_at, finished_at)
        values ('sync_old', 'location', 'co_1', 'loc_1', 0, 'done', 1, null, 1, 1, 0, 250, '2026-03-01T10:00:00Z', '2026-03-01T10:00:00.250Z'),
               ('sync_old', 'contacts', 'co_1', 'loc_1', 1, 'done', 2, '{"searchAfter":[1,"c9"]}', 10000, 21, 3, 31770, '2026-03-01T10:00:02Z', '2026-03-01T10:00:34Z')`);
      await tx.execute(sql`insert into reconcile_runs (id, company_id, location_id, ghl_location_id, trigger, status, job_id, listed_count, repaired_count, coverage, started_at, finished_at, created_at)
        values ('recon_old', 'co_1', 'loc_1', 'ghl_loc_1', 'scheduled', 'partial', '42', 10, 2, 0.8, '2026-03-02T00:00:00Z', '2026-03-02T00:00:05Z', '2026-03-02T00:00:00Z'),
               ('recon_open', 'co_1', 'loc_1', 'ghl_loc_1', 'manual', 'running', '43', 0, 0, null, '2026-03-02T01:00:00Z', null, '2026-03-02T01:00:00Z')`);
      await tx.execute(sql`insert into reconcile_run_entities (run_id, entity, company_id, location_id, position, status, attempts, previous_checkpoint_at, since_at, checkpoint_at, cursor,
          fetched_count, listed_count, repaired_count, unapplied_count, request_count, error, started_at, finished_at)
        values ('recon_old', 'contacts', 'co_1', 'loc_1', 0, 'done', 1, '2026-03-01T10:00:00Z', '2026-03-01T09:55:00Z', '2026-03-01T23:59:00Z', null, 12, 10, 2, 1, 3, null, '2026-03-02T00:00:00Z', '2026-03-02T00:00:03Z'),
               ('recon_old', 'invoices', 'co_1', 'loc_1', 1, 'failed', 1, '2026-03-01T10:00:00Z', '2026-03-01T09:55:00Z', '2026-03-01T10:00:00Z', null, 0, 0, 0, 0, 1, 'GET /invoices/ answered 401', '2026-03-02T00:00:03Z', '2026-03-02T00:00:05Z'),
               ('recon_open', 'contacts', 'co_1', 'loc_1', 0, 'running', 1, '2026-03-01T23:59:00Z', '2026-03-01T23:54:00Z', '2026-03-02T00:30:00Z', '{"searchAfter":[5,"c5"]}', 5, 4, 1, 0, 1, null, '2026-03-02T01:00:00Z', null)`);
    });

    const { appliedNow } = await runMigrations(database, MIGRATIONS);
    // Later migrations follow these two; they must come first, in this order.
    expect(appliedNow.slice(0, 2)).toEqual(['0015_run_engine', '0016_drop_sync_and_reconcile_run_tables']);
    const leftOver = await queryRows(database.db, sql`select table_name from information_schema.tables where table_schema = 'public' and table_name in ('sync_runs', 'sync_steps', 'reconcile_runs', 'reconcile_run_entities')`);
    expect(leftOver).toEqual([]);

    const sync = await findRun(database.db, 'sync_old');
    expect(sync).toMatchObject({ kind: 'setup-sync', companyId: 'co_1', locationId: 'loc_1', params: { ghlLocationId: 'ghl_loc_1' }, trigger: 'install', status: 'done', summary: { grade: 'B', totalSeconds: 40 } });
    expect(sync?.readyAt?.toISOString()).toBe('2026-03-01T10:00:01.500Z');
    expect(sync?.jobId).toMatch(/^\d+$/);
    const progress = await database.system((tx) => readSyncProgress(tx, 'loc_1', new Date('2026-03-05T00:00:00Z')));
    expect(progress.current).toMatchObject({ id: 'sync_old', status: 'done', isFinished: true, isUsable: true, grade: 'B', elapsedSeconds: 40, stepsDone: 2, stepsTotal: 2 });
    expect(progress.current?.steps[1]).toMatchObject({ name: 'contacts', status: 'done', records: 10000, requests: 21, rateLimited: 3, seconds: 31.77, attempts: 2 });

    expect(await findRun(database.db, 'recon_old')).toMatchObject({ kind: 'reconcile', status: 'partial', jobId: '42', summary: { listed: 10, repaired: 2, coverage: 0.8 } });
    expect(await findRun(database.db, 'recon_open')).toMatchObject({ status: 'running', summary: null });
    const entities = await listRunSteps(database.db, ['recon_old', 'recon_open']);
    expect(entities.map((row) => [row.runId, row.step, row.status, row.recordCount, row.counts, row.requestCount, row.error])).toEqual([
      ['recon_old', 'contacts', 'done', 12, { listed: 10, repaired: 2, unapplied: 1 }, 3, null],
      ['recon_old', 'invoices', 'failed', 0, { listed: 0, repaired: 0, unapplied: 0 }, 1, 'GET /invoices/ answered 401'],
      ['recon_open', 'contacts', 'running', 5, { listed: 4, repaired: 1, unapplied: 0 }, 1, null],
    ]);
    const resumed = entities[2];
    expect(resumed?.cursor).toEqual({ searchAfter: [5, 'c5'] });
    expect(new Date(String(resumed?.params?.['previousCheckpointAt'])).toISOString()).toBe('2026-03-01T23:59:00.000Z');
    expect(new Date(String(resumed?.params?.['sinceAt'])).toISOString()).toBe('2026-03-01T23:54:00.000Z');
    // The next reconciliation starts where the finished ones left off.
    const checkpoints = await findStepHighWaterMarks(database.db, { kind: 'reconcile', locationId: 'loc_1' });
    expect(Object.fromEntries([...checkpoints].map(([step, at]) => [step, at.toISOString()]))).toEqual({ contacts: '2026-03-01T23:59:00.000Z' });
  });
});
