export { GroupCommitter, GroupCommitQueueFullError } from './group-committer.js';
export type { GroupCommitterOptions } from './group-committer.js';
export { WakeupHub } from './wakeup-hub.js';
export { computeBackoffSeconds } from './backoff.js';
export { startPgListener } from './pg-listener.js';
export type { PgListener, PgListenerOptions } from './pg-listener.js';
export { startPollingLoop } from './polling-loop.js';
export type { PollingLoop, PollingLoopOptions } from './polling-loop.js';
export { Semaphore } from './semaphore.js';
