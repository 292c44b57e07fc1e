import { bootstrap, onShutdown, readConfigOrExit } from './bootstrap.js';
import { wireApp } from './wire.js';
import { ghlFromCredentials } from './ghl-runtime.js';
import { listenForJobs } from '../platform/jobs/index.js';

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
const workers = wired.webhooks.startWorkers();
wired.jobs.start();
const jobListener = booted.config.database.engine === 'postgres' ? listenForJobs(wired.jobs, { url: booted.config.database.url }) : undefined;
process.stdout.write(`Switchboard webhook worker ${workers.workerId} is running (PostgreSQL).\n`);
onShutdown(booted.logger, booted.config.http.shutdownGraceMs, [() => workers.stop(), () => wired.jobs.stop(), async () => jobListener?.stop(), () => wired.webhooks.close(), () => booted.database.close()]);
