import { startApi } from './start-api.js';

// One process runs everything on the embedded database: the API, the webhook workers and the scheduler.
await startApi('all', { withWorkers: true, withScheduler: true });
