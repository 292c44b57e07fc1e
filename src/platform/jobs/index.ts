export { enqueueJob, enqueueJobs, retryJobsNow, countLocationJobs, claimJobs, finishJobs, extendJobLeases, jobAttemptKey, findJob, isJobLeaseHeld, releaseExpiredJobLeases, JOBS_NOTIFY_CHANNEL } from './job-queue.repo.js';
export type { JobCount, EnqueueJobInput, EnqueuedJob, ClaimedJob, JobAttempt, JobLease, JobView } from './job-queue.repo.js';
export { JobRunner, JobRetryLaterError, JobFailedPermanentlyError, listenForJobs } from './job-runner.js';
export type { JobHandler, JobRegistrar, JobContext, JobRunnerDeps, JobRunnerSettings } from './job-runner.js';
