import { Counter, type Registry } from 'prom-client';
import { JobFailedPermanentlyError, type JobRegistrar } from '../../../platform/jobs/index.js';
import { WRITE_THROUGH_DESCRIPTORS } from '../write-through-entities.js';
import { SEND_MESSAGE_JOB_KIND } from '../send-message.js';
import { pushRecord, type PushDeps } from './push-records.js';
import { sendQueuedMessage } from './send-messages.js';

const PUSHES_METRIC = 'switchboard_ghl_pushes_total';

/** One counter per registry (tests wire several apps in one process). */
function pushesCounter(registry: Registry): Counter<'entity' | 'outcome'> {
  const existing = registry.getSingleMetric(PUSHES_METRIC);
  if (existing) return existing as Counter<'entity' | 'outcome'>;
  return new Counter({
    name: PUSHES_METRIC,
    help: 'Write-through pushes to GHL by entity and outcome (created, updated, deleted, nothing, sent, refused, failed = will retry)',
    labelNames: ['entity', 'outcome'],
    registers: [registry],
  });
}

/** Registers the outbox handlers of the CRM write API: record pushes and message sends. */
export function registerPushJobs(jobs: JobRegistrar, deps: PushDeps & { metrics?: { registry: Registry } }): void {
  const counter = deps.metrics ? pushesCounter(deps.metrics.registry) : undefined;
  const counted = async (entity: string, work: () => Promise<string>) => {
    try {
      counter?.inc({ entity, outcome: await work() });
    } catch (error) {
      counter?.inc({ entity, outcome: error instanceof JobFailedPermanentlyError ? 'refused' : 'failed' });
      throw error;
    }
  };
  for (const { entity, pushJobKind } of WRITE_THROUGH_DESCRIPTORS) {
    jobs.register(pushJobKind, (job) => counted(entity, () => pushRecord(deps, entity, job)));
  }
  jobs.register(SEND_MESSAGE_JOB_KIND, (job) => counted('messages', async () => ((await sendQueuedMessage(deps, job)) ? 'sent' : 'nothing')));
}
