import { Counter, type Registry } from 'prom-client';
import type { Clock } from '../../../platform/clock/clock.js';
import type { Database, Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import type { JobRegistrar } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { fail, succeed, type Result } from '../../../platform/result/index.js';
import { enqueueRun, findLatestCompletedRunStart, registerRunJob, type RunKind } from '../../../platform/runs/index.js';
import type { ScheduledJob } from '../../../platform/scheduler/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import type { GhlInstallDirectory } from '../ghl-installs.js';
import { CrmApplier } from '../sync/crm-applier.js';
import { SETUP_SYNC_KIND } from '../sync/setup-sync-steps.js';
import { DEFAULT_RECONCILE_SETTINGS, RECONCILE_ENTITIES, RECONCILE_KIND, type ReconcileSettings } from './reconcile-entities.js';
import { filterLocationsWithFinishedSetupSync } from './reconcile.repo.js';
import { createReconciliationDefinition } from './run-reconciliation.js';

export const RECONCILE_JOB_KIND = 'crm.reconcile-location';
export const RECONCILE_SCHEDULED_JOB_NAME = 'crm.reconcile';
export const DEFAULT_RECONCILE_CRON = '*/15 * * * *';

const RECONCILE_RUN_KIND: RunKind = { kind: RECONCILE_KIND, jobKind: RECONCILE_JOB_KIND, idPrefix: 'recon', stepNames: RECONCILE_ENTITIES, maxAttempts: 3 };

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
  if (!(await findLatestCompletedRunStart(tx, { kind: SETUP_SYNC_KIND, locationId: target.locationId }))) return fail('not_synced', 'The location has no finished setup sync to reconcile from');
  // Two reconciliations of one location never overlap: one unfinished run per location, one job at a time.
  const enqueued = await enqueueRun(tx, generateId, RECONCILE_RUN_KIND, {
    companyId: target.companyId,
    locationId: target.locationId,
    params: { ghlLocationId: target.ghlLocationId },
    trigger: target.trigger,
  });
  return succeed(enqueued);
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
  /** When `crm.reconcile` enqueues a run per installed location (config GHL_RECONCILE_CRON). */
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

/** Registers the `crm.reconcile-location` job handler on the runner. */
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
  registerRunJob(deps.jobs, runDeps, RECONCILE_RUN_KIND, createReconciliationDefinition(runDeps));

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
