export { enqueueJob, claimJobs, findJob, releaseExpiredJobLeases, JOBS_NOTIFY_CHANNEL } from './job-queue.repo.js';
export type { EnqueueJobInput, EnqueuedJob, ClaimedJob, JobView } from './job-queue.repo.js';
export { JobRunner, JobRetryLaterError, listenForJobs } from './job-runner.js';
export type { JobHandler, JobContext, JobRunnerDeps, JobRunnerSettings } from './job-runner.js';
