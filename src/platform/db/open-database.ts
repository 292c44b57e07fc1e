import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { createDatabase, type Database, type Db, type PreparedRunner } from './database.js';
import { acquireDataDirLock } from './data-dir-lock.js';
import { PGLITE_EXTENSIONS } from './pglite-extensions.js';
import { createPglitePreparedRunner } from './pglite-prepared.js';
import { startPgliteWorker } from './pglite-worker-client.js';

/**
 * Where PGlite runs: `main` = in this thread (each query blocks the event loop while it runs);
 * `worker` = in a worker thread of its own, so HTTP, signature checks and API reads go on while it
 * works (results cross by structured clone). Same single session either way.
 */
export type PgliteThread = 'main' | 'worker';

export type OpenDatabaseOptions =
  | { engine: 'pglite'; dataDir: string; thread?: PgliteThread }
  /** In-memory PGlite, optionally starting from a dumped data dir (tests use a migrated template). */
  | { engine: 'pglite-memory'; loadDataDir?: Blob | File; thread?: PgliteThread }
  | { engine: 'postgres'; url: string; poolMax: number; applicationName?: string };

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  switch (options.engine) {
    case 'pglite': {
      const lock = acquireDataDirLock(options.dataDir);
      try {
        const client = options.thread === 'worker' ? await startPgliteWorker({ kind: 'data-dir', dataDir: options.dataDir }) : await PGlite.create(options.dataDir, { extensions: PGLITE_EXTENSIONS });
        const db = drizzlePglite(client as PGlite) as unknown as Db;
        return createDatabase(
          'pglite',
          db,
          async () => {
            try {
              await client.close();
            } finally {
              lock.release();
            }
          },
          client instanceof PGlite ? createPglitePreparedRunner(client) : client.runPrepared,
        );
      } catch (error) {
        lock.release();
        throw error;
      }
    }
    case 'pglite-memory': {
      if (options.thread === 'worker') {
        const loadDataDir = options.loadDataDir ? new Uint8Array(await options.loadDataDir.arrayBuffer()) : undefined;
        const client = await startPgliteWorker({ kind: 'memory', loadDataDir });
        return createDatabase('pglite', drizzlePglite(client as unknown as PGlite) as unknown as Db, () => client.close(), client.runPrepared);
      }
      const client = await PGlite.create({ extensions: PGLITE_EXTENSIONS, ...(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {}) });
      const db = drizzlePglite(client) as unknown as Db;
      return createDatabase('pglite', db, () => client.close(), createPglitePreparedRunner(client));
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
      // A named statement: each pooled connection parses and plans it once.
      const runPrepared: PreparedRunner = async (statement, params) => (await pool.query<Record<string, unknown>>({ name: statement.name, text: statement.text, values: [...params] })).rows;
      return createDatabase('postgres', db, () => pool.end(), runPrepared);
    }
  }
}
