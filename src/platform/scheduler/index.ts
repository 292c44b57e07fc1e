export { Scheduler } from './scheduler.js';
export type { ScheduledJob, SchedulerOptions, JobRunRecord } from './scheduler.js';
