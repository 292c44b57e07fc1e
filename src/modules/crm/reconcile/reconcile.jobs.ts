import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../../platform/clock/clock.js';
import type { Database, Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { enqueueJob, type JobRegistrar } from '../../../platform/jobs/index.js';
import { describeError, type Logger } from '../../../platform/log/index.js';
import { fail, succeed, type Result } from '../../../platform/result/index.js';
import type { ScheduledJob } from '../../../platform/scheduler/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import type { GhlInstallDirectory } from '../ghl-installs.js';
import { CrmApplier } from '../sync/crm-applier.js';
import { DEFAULT_RECONCILE_SETTINGS, RECONCILE_ENTITIES, type ReconcileSettings } from './reconcile-entities.js';
import { failReconcileRun, findFinishedSetupSyncStart, findOpenReconcileRunForUpdate, filterLocationsWithFinishedSetupSync, insertReconcileRun, setReconcileRunJob } from './reconcile-runs.repo.js';
import { runReconciliation } from './run-reconciliation.js';

export const RECONCILE_JOB_KIND = 'ghl.reconcile-location';
export const RECONCILE_SCHEDULED_JOB_NAME = 'ghl.reconcile';
export const DEFAULT_RECONCILE_CRON = '*/15 * * * *';

export interface ReconcileTarget {
  companyId: string;
  locationId: string;
  ghlLocationId: string;
}

export interface ReconcileRequested {
  runId: string;
  jobId: string;
  /** False when an unfinished run of the location existed: that run is returned instead of a second one. */
  isNew: boolean;
}

/**
 * Creates a run with its entity rows and the job that executes it, in the caller's transaction
 * (outbox). One unfinished run per location: while one is pending or running, it is returned.
 */
export async function enqueueReconciliation(
  tx: Executor,
  generateId: IdGenerator,
  target: ReconcileTarget & { trigger: 'scheduled' | 'manual' },
): Promise<Result<ReconcileRequested, 'not_synced'>> {
  const open = await findOpenReconcileRunForUpdate(tx, target.locationId);
  // The job is enqueued in the transaction that creates the run, so an open run always has one.
  if (open) return succeed({ runId: open.id, jobId: open.jobId ?? '', isNew: false });
  if (!(await findFinishedSetupSyncStart(tx, target.locationId))) return fail('not_synced', 'The location has no finished setup sync to reconcile from');
  const runId = generateId('recon');
  await insertReconcileRun(tx, { id: runId, companyId: target.companyId, locationId: target.locationId, ghlLocationId: target.ghlLocationId, trigger: target.trigger, entities: RECONCILE_ENTITIES });
  const job = await enqueueJob(tx, {
    kind: RECONCILE_JOB_KIND,
    payload: { runId },
    companyId: target.companyId,
    locationId: target.locationId,
    idempotencyKey: runId,
    // Two reconciliations of one location never overlap.
    orderingKey: `${RECONCILE_JOB_KIND}:${target.locationId}`,
    maxAttempts: 3,
  });
  await setReconcileRunJob(tx, runId, job.id);
  return succeed({ runId, jobId: job.id, isNew: true });
}

export interface RegisterReconciliationDeps {
  jobs: JobRegistrar;
  database: Database;
  /** A GhlGateway over the rate-governed http client and the token store. */
  client: GhlGateway;
  /** Which locations the app can reach (installed, active token). */
  installs: GhlInstallDirectory;
  generateId: IdGenerator;
  clock: Clock;
  logger: Logger;
  /** When `ghl.reconcile` enqueues a run per installed location (config GHL_RECONCILE_CRON). */
  cron?: string;
  settings?: Partial<ReconcileSettings>;
  /** Registers switchboard_ghl_reconcile_records_total on this registry. */
  metrics?: { registry: Registry };
}

export interface Reconciliation {
  /** Enqueues a run of one location now (an unfinished run is returned instead). */
  requestRun(target: ReconcileTarget): Promise<Result<ReconcileRequested, 'not_synced'>>;
  /** Enqueues one run per reconcilable location; returns what it did. */
  enqueueDueRuns(): Promise<{ locations: number; enqueued: number }>;
  /** The cron job for the scheduler. */
  scheduledJobs(): ScheduledJob[];
}

function createRecordsCounter(registry: Registry): Counter<'entity' | 'outcome'> {
  const name = 'switchboard_ghl_reconcile_records_total';
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter<'entity' | 'outcome'>;
  return new Counter({
    name,
    help: 'GHL changes seen by reconciliation, by entity and outcome (listed; repaired = missed webhook; unapplied = kept by CRM rules)',
    labelNames: ['entity', 'outcome'],
    registers: [registry],
  });
}

/** Registers the `ghl.reconcile-location` job handler on the runner. */
export function registerReconciliation(deps: RegisterReconciliationDeps): Reconciliation {
  const settings = { ...DEFAULT_RECONCILE_SETTINGS, ...deps.settings };
  const crm = new CrmApplier({ generateId: deps.generateId, clock: deps.clock });
  const counter = deps.metrics ? createRecordsCounter(deps.metrics.registry) : undefined;
  const runDeps = {
    database: deps.database,
    client: deps.client,
    crm,
    settings,
    clock: deps.clock,
    logger: deps.logger,
    ...(counter
      ? {
          onPage: (entity: string, counts: { listed: number; repaired: number; unapplied: number }) => {
            counter.inc({ entity, outcome: 'listed' }, counts.listed);
            counter.inc({ entity, outcome: 'repaired' }, counts.repaired);
            counter.inc({ entity, outcome: 'unapplied' }, counts.unapplied);
          },
        }
      : {}),
  };
  deps.jobs.register(RECONCILE_JOB_KIND, async (job, context) => {
    const runId = job.payload['runId'];
    if (typeof runId !== 'string') throw new Error(`${RECONCILE_JOB_KIND} job ${job.id} has no runId`);
    try {
      await runReconciliation(runDeps, runId, context.signal, { jobId: job.id, workerId: context.workerId });
    } catch (error) {
      // The job will not run again: close the run so it does not block the next one.
      if (job.attempts >= job.maxAttempts && !context.signal.aborted) {
        const reason = `reconciliation gave up after its last attempt: ${describeError(error)}`.slice(0, 500);
        await failReconcileRun(deps.database.db, runId, reason).catch(() => undefined);
      }
      throw error;
    }
  });

  const enqueue = async (target: ReconcileTarget, trigger: 'scheduled' | 'manual') => deps.database.system((tx) => enqueueReconciliation(tx, deps.generateId, { ...target, trigger }));
  const enqueueDueRuns = async () => {
    // Installed with an active location token, and a finished setup sync to start from.
    const locations = await deps.database.system(async (tx) => {
      const connected = await deps.installs.listConnectedLocations(tx);
      const synced = await filterLocationsWithFinishedSetupSync(tx, connected.map((location) => location.locationId));
      return connected.filter((location) => synced.has(location.locationId));
    });
    let enqueued = 0;
    for (const location of locations) {
      const result = await enqueue(location, 'scheduled');
      if (result.ok && result.value.isNew) enqueued += 1;
    }
    if (enqueued > 0) deps.jobs.wake();
    return { locations: locations.length, enqueued };
  };
  return {
    async requestRun(target) {
      const result = await enqueue(target, 'manual');
      if (result.ok) deps.jobs.wake();
      return result;
    },
    enqueueDueRuns,
    scheduledJobs: () => [{ name: RECONCILE_SCHEDULED_JOB_NAME, cron: deps.cron ?? DEFAULT_RECONCILE_CRON, run: enqueueDueRuns }],
  };
}
