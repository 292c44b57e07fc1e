import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { createDatabase, type Database, type Db } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';

export type OpenDatabaseOptions =
  | { engine: 'pglite'; dataDir: string }
  /** In-memory PGlite, optionally starting from a dumped data dir (tests use a migrated template). */
  | { engine: 'pglite-memory'; loadDataDir?: Blob | File }
  | { engine: 'postgres'; url: string; poolMax: number; applicationName?: string };

/**
 * Contrib extensions the migrations create. PGlite ships each as a separate bundle that must be loaded
 * at start, also to open a data directory (or dump) in which the extension already exists.
 */
const PGLITE_EXTENSIONS = { pg_trgm };

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  switch (options.engine) {
    case 'pglite': {
      const lock = acquireDataDirLock(options.dataDir);
      try {
        const client = await PGlite.create(options.dataDir, { extensions: PGLITE_EXTENSIONS });
        const db = drizzlePglite(client) as unknown as Db;
        return createDatabase('pglite', db, async () => {
          try {
            await client.close();
          } finally {
            lock.release();
          }
        });
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    case 'pglite-memory': {
      const client = await PGlite.create({ extensions: PGLITE_EXTENSIONS, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
      const db = drizzlePglite(client) as unknown as Db;
      return createDatabase('pglite', db, () => client.close());
    }
    case 'postgres': {
      const pool = new pg.Pool({
        connectionString: options.url,
        max: options.poolMax,
        application_name: options.applicationName ?? 'switchboard',
        connectionTimeoutMillis: 5000,
      });
      // An idle client losing its server connection must not crash the process.
      pool.on('error', () => undefined);
      const db = drizzlePg(pool) as unknown as Db;
      return createDatabase('postgres', db, () => pool.end());
    }
  }
}
