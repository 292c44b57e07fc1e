import { sql } from 'drizzle-orm';
import { queryRows, type Database } from './database.js';

/**
 * Vacuum and analyze for the embedded engine. PGlite runs PostgreSQL in single-user mode, which has
 * no autovacuum launcher: without this, every updated or deleted row (a webhook event is written
 * about three times on its way to done, retention deletes old ones) stays a dead tuple, the space is
 * never reused, the tables and their indexes only grow, and the planner never gets statistics
 * (`reltuples` stays -1, so a join can hash a whole table where an index lookup would do). On a
 * PostgreSQL server autovacuum does this; the service leaves it alone there.
 *
 * The thresholds are autovacuum's defaults: vacuum when dead tuples exceed 50 + 20 % of the table's
 * tuples, analyze when rows changed since the last analyze exceed 50 + 10 %.
 */
export const VACUUM_THRESHOLD = 50;
export const VACUUM_SCALE_FACTOR = 0.2;
export const ANALYZE_THRESHOLD = 50;
export const ANALYZE_SCALE_FACTOR = 0.1;

export interface TableUpkeepNeed {
  table: string;
  liveTuples: number;
  deadTuples: number;
  modifiedSinceAnalyze: number;
  action: 'vacuum' | 'analyze';
}

export interface TableUpkeepDone {
  table: string;
  action: 'vacuum' | 'analyze';
  deadTuples: number;
  durationMs: number;
}

/** The tables of the public schema past autovacuum's thresholds, the most dead tuples first. */
export async function findTablesNeedingUpkeep(database: Database): Promise<TableUpkeepNeed[]> {
  // pg_stat counters reach the shared view only when a backend flushes them (at most once a
  // second); flush this session's now so a pass sees the changes it was called for.
  await database.db.execute(sql`select pg_stat_force_next_flush()`);
  const rows = await queryRows<{ table: string; liveTuples: number; deadTuples: number; modifiedSinceAnalyze: number; estimatedTuples: number }>(
    database.db,
    sql`select s.relname as "table", s.n_live_tup::float8 as "liveTuples", s.n_dead_tup::float8 as "deadTuples",
        s.n_mod_since_analyze::float8 as "modifiedSinceAnalyze", c.reltuples::float8 as "estimatedTuples"
      from pg_stat_user_tables s join pg_class c on c.oid = s.relid
      where s.schemaname = 'public'`,
  );
  const needs: TableUpkeepNeed[] = [];
  for (const row of rows) {
    // reltuples is -1 until the first analyze: the live count is then the best estimate.
    const tuples = row.estimatedTuples >= 0 ? row.estimatedTuples : row.liveTuples;
    const needsVacuum = row.deadTuples > VACUUM_THRESHOLD + VACUUM_SCALE_FACTOR * tuples;
    const needsAnalyze = row.modifiedSinceAnalyze > ANALYZE_THRESHOLD + ANALYZE_SCALE_FACTOR * tuples;
    if (!needsVacuum && !needsAnalyze) continue;
    needs.push({ table: row.table, liveTuples: row.liveTuples, deadTuples: row.deadTuples, modifiedSinceAnalyze: row.modifiedSinceAnalyze, action: needsVacuum ? 'vacuum' : 'analyze' });
  }
  return needs.sort((a, b) => b.deadTuples - a.deadTuples || b.modifiedSinceAnalyze - a.modifiedSinceAnalyze);
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * One pass: vacuums (with analyze) or analyzes the tables that need it, at most `maxTables` of them.
 * Each statement holds PGlite's one session while it runs (tens of milliseconds for the webhook inbox
 * at tens of thousands of rows), so a pass is bounded and the scheduler runs it every minute rather
 * than in one long sweep.
 */
export async function upkeepTables(database: Database, options: { maxTables?: number } = {}): Promise<TableUpkeepDone[]> {
  const needs = (await findTablesNeedingUpkeep(database)).slice(0, options.maxTables ?? 5);
  const done: TableUpkeepDone[] = [];
  for (const need of needs) {
    const startedAt = performance.now();
    // VACUUM cannot run in a transaction block; `database.db` is autocommit. The name comes from
    // pg_stat_user_tables, quoted all the same.
    const statement = need.action === 'vacuum' ? `vacuum (analyze) ${quoteIdentifier(need.table)}` : `analyze ${quoteIdentifier(need.table)}`;
    await database.db.execute(sql.raw(statement));
    done.push({ table: need.table, action: need.action, deadTuples: need.deadTuples, durationMs: Math.round(performance.now() - startedAt) });
  }
  return done;
}
