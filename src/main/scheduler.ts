import { bootstrap, onShutdown, readConfigOrExit } from './bootstrap.js';
import { ghlFromCredentials } from './ghl-runtime.js';
import { wireApp } from './wire.js';
import { Scheduler } from '../platform/scheduler/index.js';
import { systemClock } from '../platform/clock/clock.js';

// A PGlite data dir can be opened by one process only; `npm start` already runs the scheduler in-process.
if (readConfigOrExit().database.engine !== 'postgres') {
  process.stderr.write('npm run scheduler needs DATABASE_URL (PostgreSQL). Without it, `npm start` runs the scheduler inside the API process.\n');
  process.exit(2);
}

const booted = await bootstrap('scheduler');
const ghl = ghlFromCredentials(booted.config);
const wired = await wireApp({ ...booted, ...(ghl ? { ghl } : {}) });
const scheduler = new Scheduler({ database: booted.database, logger: booted.logger, clock: systemClock });
scheduler.start(wired.scheduledJobs);
process.stdout.write(`Switchboard scheduler is running ${wired.scheduledJobs.length} job(s): ${wired.scheduledJobs.map((job) => `${job.name} (${job.cron})`).join(', ')}\n`);
onShutdown(booted.logger, booted.config.http.shutdownGraceMs, [
  { name: 'scheduler', run: () => scheduler.stop() },
  { name: 'http server', run: () => wired.app.close() },
  { name: 'database', run: () => booted.database.close() },
]);
