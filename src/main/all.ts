import { startApi } from './start-api.js';

// One process runs everything on the embedded database: the API and the webhook workers (the scheduler joins it as it lands).
await startApi('all', { withWorkers: true });
