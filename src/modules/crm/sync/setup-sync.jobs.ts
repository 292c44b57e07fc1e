import type { Clock } from '../../../platform/clock/clock.js';
import type { Database, Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import type { JobRegistrar } from '../../../platform/jobs/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { enqueueRun, registerRunJob, type RunKind } from '../../../platform/runs/index.js';
import type { GhlGateway } from '../ghl-gateway.js';
import { CrmApplier } from './crm-applier.js';
import { createSetupSyncDefinition } from './run-setup-sync.js';
import { DEFAULT_SETUP_SYNC_SETTINGS, SETUP_SYNC_KIND, SETUP_SYNC_STEPS, type SetupSyncSettings } from './setup-sync-steps.js';
import { SyncProgressHub } from './sync-progress-hub.js';

export const SETUP_SYNC_JOB_KIND = 'crm.setup-sync';

const SETUP_SYNC_RUN_KIND: RunKind = { kind: SETUP_SYNC_KIND, jobKind: SETUP_SYNC_JOB_KIND, idPrefix: 'sync', stepNames: SETUP_SYNC_STEPS, priority: 10, maxAttempts: 5 };

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
  const { runId, isNew } = await enqueueRun(tx, generateId, SETUP_SYNC_RUN_KIND, {
    companyId: target.companyId,
    locationId: target.locationId,
    params: { ghlLocationId: target.ghlLocationId },
    trigger: target.trigger,
  });
  return { runId, isNew };
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

/** Registers the `crm.setup-sync` job handler on the runner. */
export function registerSetupSync(deps: RegisterSetupSyncDeps): SetupSync {
  const hub = deps.hub ?? new SyncProgressHub();
  const settings = { ...DEFAULT_SETUP_SYNC_SETTINGS, ...deps.settings };
  const crm = new CrmApplier({ generateId: deps.generateId, clock: deps.clock });
  const syncDeps = { database: deps.database, client: deps.client, crm, settings, generateId: deps.generateId, clock: deps.clock, logger: deps.logger, hub };
  registerRunJob(deps.jobs, syncDeps, SETUP_SYNC_RUN_KIND, createSetupSyncDefinition(syncDeps));
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
