import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { openDatabase, runMigrations } from '../src/platform/db/index.js';
import { MIGRATIONS_FOLDER } from '../src/main/wire.js';

declare module 'vitest' {
  export interface ProvidedContext {
    testDatabase: { engine: 'pglite'; templatePath: string; pgliteThread: 'main' | 'worker' } | { engine: 'postgres'; adminUrl: string; templateName: string; runPrefix: string };
  }
}

/**
 * Migrates once per run: a PGlite data-dir dump (PGlite) or a template database (PostgreSQL);
 * every test file then starts from a copy of it in well under a second.
 */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const url = process.env.DATABASE_URL;
  if (url) {
    // Every database of this run starts with its own prefix, so concurrent runs on one server never
    // drop each other's databases.
    const runPrefix = `sb_test_${process.pid}_${randomBytes(3).toString('hex')}`;
    const templateName = `${runPrefix}_template`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`drop database if exists ${templateName}`);
    await admin.query(`create database ${templateName}`);
    await admin.end();
    const templateUrl = withDatabase(url, templateName);
    const database = await openDatabase({ engine: 'postgres', url: templateUrl, poolMax: 2 });
    await runMigrations(database, MIGRATIONS_FOLDER);
    await database.close();
    project.provide('testDatabase', { engine: 'postgres', adminUrl: url, templateName, runPrefix });
    return async () => {
      const cleanup = new pg.Client({ connectionString: url });
      await cleanup.connect();
      const { rows } = await cleanup.query<{ datname: string }>(`select datname from pg_database where datname like $1`, [`${runPrefix}_%`]);
      for (const row of rows) await cleanup.query(`drop database if exists ${row.datname} with (force)`);
      await cleanup.end();
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
  const database = await openDatabase({ engine: 'pglite-memory' });
  await runMigrations(database, MIGRATIONS_FOLDER);
  const dump = await dumpPglite(database);
  await database.close();
  const templatePath = join(dir, 'template.tar.gz');
  writeFileSync(templatePath, Buffer.from(await dump.arrayBuffer()));
  // TEST_PGLITE_THREAD=worker runs every test database on a PGlite worker thread (as `npm start` does).
  project.provide('testDatabase', { engine: 'pglite', templatePath, pgliteThread: process.env.TEST_PGLITE_THREAD === 'worker' ? 'worker' : 'main' });
  return async () => rmSync(dir, { recursive: true, force: true });
}

export function withDatabase(url: string, databaseName: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${databaseName}`;
  return parsed.toString();
}

async function dumpPglite(database: Awaited<ReturnType<typeof openDatabase>>): Promise<Blob> {
  const client = (database.db as unknown as { $client: { dumpDataDir(compression?: 'gzip' | 'none'): Promise<Blob> } }).$client;
  return client.dumpDataDir('gzip');
}
