import { sql } from 'drizzle-orm';
import type { Clock } from '../../../platform/clock/clock.js';
import { queryRows, type Database, type Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { enqueueJob, type JobRegistrar } from '../../../platform/jobs/index.js';
import { describeError, type Logger } from '../../../platform/log/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import { CrmApplier } from './crm-applier.js';
import { runSetupSync } from './run-setup-sync.js';
import { DEFAULT_SETUP_SYNC_SETTINGS, SETUP_SYNC_STEPS, type SetupSyncSettings } from './setup-sync-steps.js';
import { SyncProgressHub } from './sync-progress-hub.js';
import { finishSyncRun, insertSyncRun } from './sync-runs.repo.js';

export const SETUP_SYNC_JOB_KIND = 'ghl.setup-sync';

export interface SetupSyncTarget {
  companyId: string;
  locationId: string;
  ghlLocationId: string;
}

/**
 * Creates a run with its steps and the job that executes it, in the caller's transaction (outbox):
 * the run exists exactly when the install committed. While a run of the location is unfinished, a
 * second request (OAuth callback and INSTALL webhook both fire) returns that run instead.
 */
export async function enqueueSetupSync(tx: Executor, generateId: IdGenerator, target: SetupSyncTarget & { trigger: 'install' | 'manual' }): Promise<{ runId: string; isNew: boolean }> {
  const [open] = await queryRows<{ id: string }>(
    tx,
    sql`select id from sync_runs where location_id = ${target.locationId} and status in ('pending', 'running') order by created_at desc limit 1 for update`,
  );
  if (open) return { runId: open.id, isNew: false };
  const runId = generateId('sync');
  await insertSyncRun(tx, { id: runId, companyId: target.companyId, locationId: target.locationId, ghlLocationId: target.ghlLocationId, trigger: target.trigger, steps: SETUP_SYNC_STEPS });
  await enqueueJob(tx, {
    kind: SETUP_SYNC_JOB_KIND,
    payload: { runId },
    companyId: target.companyId,
    locationId: target.locationId,
    idempotencyKey: runId,
    // Two syncs of one location never run at once.
    orderingKey: `${SETUP_SYNC_JOB_KIND}:${target.locationId}`,
    priority: 10,
    maxAttempts: 5,
  });
  return { runId, isNew: true };
}

async function abandonSyncRun(database: Database, runId: string, error: unknown): Promise<void> {
  const reason = `setup sync gave up after its last attempt: ${describeError(error)}`.slice(0, 500);
  await finishSyncRun(database.db, { runId, status: 'partial', grade: 'F', report: { grade: 'F', reasons: [reason] } });
}

export interface RegisterSetupSyncDeps {
  jobs: JobRegistrar;
  database: Database;
  /** A GhlGateway over the rate-governed http client and the token store. */
  client: GhlGateway;
  generateId: IdGenerator;
  clock: Clock;
  logger: Logger;
  settings?: Partial<SetupSyncSettings>;
  /** Share one hub with registerSyncRoutes so streams hear this process's changes at once. */
  hub?: SyncProgressHub;
}

export interface SetupSync {
  hub: SyncProgressHub;
  /** For InstallDeps.onLocationInstalled: enqueues the sync after the install committed and wakes the runner. */
  onLocationInstalled(location: SetupSyncTarget): Promise<void>;
  /** Starts a (re)sync by hand; returns the run id (an unfinished run is reused). */
  requestSync(target: SetupSyncTarget): Promise<string>;
}

/** Registers the `ghl.setup-sync` job handler on the runner. */
export function registerSetupSync(deps: RegisterSetupSyncDeps): SetupSync {
  const hub = deps.hub ?? new SyncProgressHub();
  const settings = { ...DEFAULT_SETUP_SYNC_SETTINGS, ...deps.settings };
  const crm = new CrmApplier({ generateId: deps.generateId, clock: deps.clock });
  const syncDeps = { database: deps.database, client: deps.client, crm, settings, generateId: deps.generateId, clock: deps.clock, logger: deps.logger, hub };
  deps.jobs.register(SETUP_SYNC_JOB_KIND, async (job, context) => {
    const runId = job.payload['runId'];
    if (typeof runId !== 'string') throw new Error(`${SETUP_SYNC_JOB_KIND} job ${job.id} has no runId`);
    try {
      await runSetupSync(syncDeps, runId, context.signal, { jobId: job.id, workerId: context.workerId });
    } catch (error) {
      // The job will not run again: close the run so progress streams end and the install shows F.
      if (job.attempts >= job.maxAttempts && !context.signal.aborted) await abandonSyncRun(deps.database, runId, error).catch(() => undefined);
      throw error;
    }
  });
  const enqueue = async (target: SetupSyncTarget, trigger: 'install' | 'manual') => {
    const { runId } = await deps.database.system((tx) => enqueueSetupSync(tx, deps.generateId, { ...target, trigger }));
    deps.jobs.wake();
    hub.notify(target.locationId);
    return runId;
  };
  return {
    hub,
    onLocationInstalled: async (location) => void (await enqueue(location, 'install')),
    requestSync: (target) => enqueue(target, 'manual'),
  };
}
