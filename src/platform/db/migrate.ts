import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Database, Executor } from './database.js';
import { queryRows } from './database.js';

interface JournalEntry {
  idx: number;
  tag: string;
}

interface MigrationFile {
  tag: string;
  hash: string;
  statements: string[];
}

export interface MigrationStatus {
  applied: number;
  available: number;
  latest: string | undefined;
}

export function readMigrationFiles(folder: string): MigrationFile[] {
  const journal = JSON.parse(readFileSync(join(folder, 'meta', '_journal.json'), 'utf8')) as { entries: JournalEntry[] };
  return [...journal.entries]
    .sort((a, b) => a.idx - b.idx)
    .map((entry) => {
      const text = readFileSync(join(folder, `${entry.tag}.sql`), 'utf8');
      return {
        tag: entry.tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((statement) => statement.trim())
          .filter((statement) => statement.length > 0),
      };
    });
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so any number of processes
 * may boot at once against one server; re-running is a no-op.
 */
export async function runMigrations(database: Database, folder: string): Promise<{ appliedNow: string[] }> {
  const files = readMigrationFiles(folder);
  return database.system(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('switchboard.migrate'))`);
    await tx.execute(sql`create table if not exists schema_migrations (
      tag text primary key,
      hash text not null,
      applied_at timestamptz not null default now()
    )`);
    const applied = new Set((await queryRows<{ tag: string }>(tx, sql`select tag from schema_migrations`)).map((row) => row.tag));
    const appliedNow: string[] = [];
    for (const file of files) {
      if (applied.has(file.tag)) continue;
      for (const statement of file.statements) {
        await tx.execute(sql.raw(statement));
      }
      await tx.execute(sql`insert into schema_migrations (tag, hash) values (${file.tag}, ${file.hash})`);
      appliedNow.push(file.tag);
    }
    if (appliedNow.length > 0) {
      // Default privileges only cover tables created by the same role; grant explicitly as well.
      await tx.execute(sql`grant select, insert, update, delete on all tables in schema public to switchboard_app`);
      await tx.execute(sql`grant usage, select on all sequences in schema public to switchboard_app`);
    }
    return { appliedNow };
  });
}

export async function readMigrationStatus(executor: Executor, folder: string): Promise<MigrationStatus> {
  const available = readMigrationFiles(folder).length;
  const rows = await queryRows<{ tag: string }>(executor, sql`select tag from schema_migrations order by tag`);
  return { applied: rows.length, available, latest: rows.at(-1)?.tag };
}
