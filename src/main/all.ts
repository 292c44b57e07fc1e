import { startApi } from './start-api.js';

// One process runs everything on the embedded database; workers and the scheduler join it as they land.
await startApi('all');
