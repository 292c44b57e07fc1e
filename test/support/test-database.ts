import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { inject } from 'vitest';
import { openDatabase, type Database, type PgliteThread } from '../../src/platform/db/index.js';

/** A new PostgreSQL database copied from this run's migrated template; `drop` removes it. */
export async function createTestPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const target = inject('testDatabase');
  if (target.engine !== 'postgres') throw new Error('the suite runs on PGlite: no PostgreSQL server to create a database on');
  const name = `${target.runPrefix}_${randomBytes(6).toString('hex')}`;
  await withAdminClient(target.adminUrl, (client) => client.query(`create database ${name} template ${target.templateName}`));
  const parsed = new URL(target.adminUrl);
  parsed.pathname = `/${name}`;
  return {
    url: parsed.toString(),
    drop: () => withAdminClient(target.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)).then(() => undefined),
  };
}

/**
 * A migrated database of this test file's own: a PGlite copy of the template, or a new PostgreSQL
 * database. PGlite runs on the test's thread unless `pgliteThread` (or TEST_PGLITE_THREAD=worker for
 * the whole run) puts it on a worker thread, as `npm start` does.
 */
export async function createTestDatabase(options: { poolMax?: number; applicationName?: string; pgliteThread?: PgliteThread } = {}): Promise<Database> {
  const target = inject('testDatabase');
  if (target.engine === 'pglite') {
    const blob = new Blob([readFileSync(target.templatePath)]);
    return openDatabase({ engine: 'pglite-memory', loadDataDir: blob, thread: options.pgliteThread ?? target.pgliteThread });
  }
  const created = await createTestPostgresDatabase();
  const database = await openDatabase({ engine: 'postgres', url: created.url, poolMax: options.poolMax ?? 10, ...(options.applicationName ? { applicationName: options.applicationName } : {}) });
  const handle: Database & { url: string } = {
    ...database,
    url: created.url,
    async close() {
      await database.close();
      await created.drop();
    },
  };
  return handle;
}

/** An empty (unmigrated) database of this test file's own, for migration tests: PGlite in memory, or a new PostgreSQL database. */
export async function createEmptyTestDatabase(): Promise<Database> {
  const target = inject('testDatabase');
  if (target.engine === 'pglite') return openDatabase({ engine: 'pglite-memory' });
  const name = `${target.runPrefix}_${randomBytes(6).toString('hex')}`;
  await withAdminClient(target.adminUrl, (client) => client.query(`create database ${name}`));
  const parsed = new URL(target.adminUrl);
  parsed.pathname = `/${name}`;
  const database = await openDatabase({ engine: 'postgres', url: parsed.toString(), poolMax: 2 });
  return {
    ...database,
    async close() {
      await database.close();
      await withAdminClient(target.adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
    },
  };
}

/** The PostgreSQL URL of a handle made by createTestDatabase (undefined on PGlite). */
export function testDatabaseUrl(database: Database): string | undefined {
  return (database as Database & { url?: string }).url;
}

/**
 * Two handles on one test database, as two processes would have: separate pools on PostgreSQL
 * (so row locks really are contended between them); on PGlite, which only one process can open,
 * both handles share the instance.
 */
export async function createTestDatabasePair(): Promise<[Database, Database, () => Promise<void>]> {
  const target = inject('testDatabase');
  const first = await createTestDatabase();
  if (target.engine === 'pglite') return [first, first, () => first.close()];
  const url = (first as Database & { url?: string }).url as string;
  const second = await openDatabase({ engine: 'postgres', url, poolMax: 10 });
  return [first, second, async () => {
    await second.close();
    await first.close();
  }];
}

export function testDatabaseEngine(): 'pglite' | 'postgres' {
  return inject('testDatabase').engine;
}

async function withAdminClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
