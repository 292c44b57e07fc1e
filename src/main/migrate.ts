import { readConfigOrExit } from './bootstrap.js';
import { openDatabase, runMigrations, readMigrationStatus } from '../platform/db/index.js';
import { MIGRATIONS_FOLDER } from './wire.js';

const config = readConfigOrExit();
const database =
  config.database.engine === 'pglite'
    ? await openDatabase({ engine: 'pglite', dataDir: config.database.dataDir })
    : await openDatabase({ engine: 'postgres', url: config.database.url, poolMax: 2, applicationName: 'switchboard-migrate' });
try {
  const { appliedNow } = await runMigrations(database, MIGRATIONS_FOLDER);
  const status = await readMigrationStatus(database.db, MIGRATIONS_FOLDER);
  process.stdout.write(
    appliedNow.length > 0
      ? `Applied ${appliedNow.length} migration(s): ${appliedNow.join(', ')}\n`
      : `Database is up to date (${status.applied} migrations, latest ${status.latest ?? 'none'})\n`,
  );
} finally {
  await database.close();
}
