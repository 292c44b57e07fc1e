import type { JobRunner } from '../../../platform/jobs/index.js';
import { PUSH_JOB_KINDS, SEND_MESSAGE_JOB_KIND, type WriteThroughEntity } from '../../crm/index.js';
import { pushRecord, type PushDeps } from './push-records.js';
import { sendQueuedMessage } from './send-messages.js';

/** Registers the outbox handlers of the CRM write API: record pushes and message sends. */
export function registerPushJobs(jobs: JobRunner, deps: PushDeps): void {
  for (const entity of Object.keys(PUSH_JOB_KINDS) as WriteThroughEntity[]) {
    jobs.register(PUSH_JOB_KINDS[entity], (job) => pushRecord(deps, entity, job));
  }
  jobs.register(SEND_MESSAGE_JOB_KIND, (job) => sendQueuedMessage(deps, job));
}
