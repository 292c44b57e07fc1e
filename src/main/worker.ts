import { bootstrap, onShutdown, readConfigOrExit } from './bootstrap.js';
import { startBackgroundWork, wireApp } from './wire.js';
import { ghlFromCredentials } from './ghl-runtime.js';

// A PGlite data dir can be opened by one process only, so separate workers need a PostgreSQL server.
if (readConfigOrExit().database.engine !== 'postgres') {
  process.stderr.write(
    'npm run worker needs DATABASE_URL (PostgreSQL): the embedded PGlite database can be opened by one process only.\n' +
      'Without DATABASE_URL, `npm start` already runs the webhook workers inside the API process.\n',
  );
  process.exit(2);
}

const booted = await bootstrap('worker');
const ghl = ghlFromCredentials(booted.config);
const wired = await wireApp({ ...booted, ...(ghl ? { ghl } : {}) });
const background = startBackgroundWork(wired, booted.config);
process.stdout.write(`Switchboard webhook worker ${background.workerId} is running (PostgreSQL).\n`);
onShutdown(booted.logger, booted.config.http.shutdownGraceMs, [
  { name: 'background work', run: () => background.stop() },
  { name: 'webhooks', run: () => wired.webhooks.close() },
  { name: 'database', run: () => booted.database.close() },
]);
