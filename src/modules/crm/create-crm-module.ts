import type { Registry } from 'prom-client';
import type { Clock } from '../../platform/clock/clock.js';
import type { Database, Executor } from '../../platform/db/index.js';
import type { HttpServer } from '../../platform/http/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import type { JobHandler } from '../../platform/jobs/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { AppModule, JobDefinition } from '../../platform/module/index.js';
import type { ScheduledJob } from '../../platform/scheduler/index.js';
import { registerCrmRoutes } from './crm.routes.js';
import { createCrmWebhookSubscriptions } from './crm.webhooks.js';
import type { GhlGateway } from './ghl-gateway.js';
import type { GhlInstallDirectory } from './ghl-installs.js';
import { registerPushJobs } from './push/register-push-jobs.js';
import { registerReconciliation, type Reconciliation } from './reconcile/reconcile.jobs.js';
import { registerReconciliationRoutes } from './reconcile/reconcile.routes.js';
import type { ReconcileSettings } from './reconcile/reconcile-entities.js';
import { registerSyncHealthRoutes } from './sync-health/sync-health.routes.js';
import { enqueueSetupSync, registerSetupSync, type SetupSync, type SetupSyncTarget } from './sync/setup-sync.jobs.js';
import type { SetupSyncSettings } from './sync/setup-sync-steps.js';
import { SyncProgressHub } from './sync/sync-progress-hub.js';
import { registerSyncRoutes } from './sync/sync.routes.js';
import { requeueUnconfirmedEdits } from './write-through.repo.js';

export interface CrmModuleDeps {
  database: Database;
  clock: Clock;
  generateId: IdGenerator;
  logger: Logger;
  /** GHL, when it (or the sandbox) is configured; without it webhooks still apply and writes stay local. */
  gateway?: GhlGateway | undefined;
  /** What the ghl module knows of installs and tokens. */
  installs: GhlInstallDirectory;
  /** Nudges this process's job runner after outbox work was enqueued and committed. */
  wakeJobs: () => void;
  metrics?: { registry: Registry };
  settings?: {
    reconcileCron?: string;
    reconcile?: Partial<ReconcileSettings>;
    setupSync?: Partial<SetupSyncSettings>;
  };
}

/** Told by the ghl module (through src/main) about each location it installed. */
export interface CrmLocationLifecycle {
  /** In the install's transaction: the setup sync is enqueued and edits kept while the app had no access get pushes. */
  onLocationInstalled(tx: Executor, location: SetupSyncTarget): Promise<void>;
  afterLocationInstalled(location: SetupSyncTarget): Promise<void>;
}

export interface CrmModule extends AppModule {
  locationLifecycle: CrmLocationLifecycle;
  /** Present with a gateway. */
  setupSync: SetupSync | undefined;
  reconciliation: Reconciliation | undefined;
}

/**
 * The local mirror of GHL data and everything that keeps it true: webhook processors, setup sync,
 * reconciliation, the write API with its outbox pushes, sync health. GHL is reached only through
 * the gateway port this module declares.
 */
export function createCrmModule(deps: CrmModuleDeps): CrmModule {
  const jobs: JobDefinition[] = [];
  const registrar = { register: (kind: string, handle: JobHandler) => void jobs.push({ kind, handle }), wake: deps.wakeJobs };
  const hub = new SyncProgressHub();
  const gateway = deps.gateway;
  const base = { database: deps.database, generateId: deps.generateId, clock: deps.clock, logger: deps.logger };
  const setupSync = gateway ? registerSetupSync({ ...base, jobs: registrar, client: gateway, hub, ...(deps.settings?.setupSync ? { settings: deps.settings.setupSync } : {}) }) : undefined;
  if (gateway) registerPushJobs(registrar, { ...base, client: gateway, ...(deps.metrics ? { metrics: deps.metrics } : {}) });
  const reconciliation = gateway
    ? registerReconciliation({
        ...base,
        jobs: registrar,
        client: gateway,
        installs: deps.installs,
        ...(deps.settings?.reconcileCron ? { cron: deps.settings.reconcileCron } : {}),
        ...(deps.settings?.reconcile ? { settings: deps.settings.reconcile } : {}),
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      })
    : undefined;
  const schedules: ScheduledJob[] = reconciliation?.scheduledJobs() ?? [];
  return {
    name: 'crm',
    setupSync,
    reconciliation,
    jobs,
    schedules,
    webhooks: createCrmWebhookSubscriptions({ generateId: deps.generateId, clock: deps.clock }),
    registerRoutes(app: HttpServer) {
      registerSyncRoutes(app, { database: deps.database, clock: deps.clock, logger: deps.logger, hub, ...(setupSync ? { setupSync } : {}) });
      registerReconciliationRoutes(app, { database: deps.database, ...(reconciliation ? { reconciliation } : {}) });
      registerCrmRoutes(app, { database: deps.database, ghl: gateway, generateId: deps.generateId, clock: deps.clock, onPushEnqueued: deps.wakeJobs });
      registerSyncHealthRoutes(app, { database: deps.database, clock: deps.clock, installs: deps.installs });
    },
    locationLifecycle: {
      async onLocationInstalled(tx, location) {
        if (setupSync) await enqueueSetupSync(tx, deps.generateId, { ...location, trigger: 'install' });
        // A reinstall: edits made here while the app had no access go to GHL now.
        await requeueUnconfirmedEdits(tx, location.locationId);
      },
      async afterLocationInstalled(location) {
        deps.wakeJobs();
        hub.notify(location.locationId);
      },
    },
  };
}
