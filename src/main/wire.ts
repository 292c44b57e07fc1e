import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { AppConfig } from '../config/index.js';
import { systemClock, type Clock } from '../platform/clock/clock.js';
import type { KeyRing } from '../platform/crypto/index.js';
import type { Database } from '../platform/db/index.js';
import { createHttpServer, type HttpServer } from '../platform/http/index.js';
import { generateId, type IdGenerator } from '../platform/ids/ids.js';
import type { Logger } from '../platform/log/index.js';
import { registerHealthRoutes, registerMetricsRoutes } from '../modules/health/index.js';
import { createMetrics, type Metrics } from '../platform/metrics/index.js';
import { argon2PasswordHasher, createAuthenticator, createSessionTokens, registerTenantsRoutes, type PasswordHasher, type TenantsDeps } from '../modules/tenants/index.js';
import { createVault, type Vault } from '../modules/vault/index.js';
import { createWebhooks, type ProcessorRegistry, type Webhooks } from '../modules/webhooks/index.js';
import { registerCrmProcessors, registerCrmRoutes } from '../modules/crm/index.js';
import { registerPushJobs, createGhl, registerGhlLifecycleProcessors, registerSetupSync, registerSyncHealthRoutes, registerSyncRoutes, SyncProgressHub, type Ghl } from '../modules/ghl/index.js';
import { registerReconciliation, registerReconciliationRoutes } from '../modules/ghl/index.js';
import { JobRunner } from '../platform/jobs/index.js';
import type { ScheduledJob } from '../platform/scheduler/index.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MIGRATIONS_FOLDER = join(REPO_ROOT, 'migrations');
export const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

export interface WireOptions {
  config: AppConfig;
  database: Database;
  logger: Logger;
  jwtSecret: string;
  keyRing: KeyRing;
  clock?: Clock;
  generateId?: IdGenerator;
  passwords?: PasswordHasher;
  /** Where GHL is (the real API or the sandbox); without it GHL calls are disabled but webhooks still apply. */
  ghl?: { apiBaseUrl: string; authorizeUrl: string; clientId: string; clientSecret: string; redirectUri: string };
  /** Node process metrics (event loop, memory) on /metrics; once per process, so entry points only. */
  collectProcessMetrics?: boolean;
  /** false: register no module's webhook processors (pipeline tests plug in their own). Default true. */
  withDefaultProcessors?: boolean;
}

export interface Wired {
  app: HttpServer;
  database: Database;
  vault: Vault;
  tenants: TenantsDeps;
  logger: Logger;
  /** The webhook pipeline; `webhooks.startWorkers()` runs workers in this process. */
  webhooks: Webhooks;
  /** Where modules register webhook processors (same object as webhooks.processors). */
  processors: ProcessorRegistry;
  /** The GHL marketplace app (OAuth, tokens, client); undefined when no GHL (or sandbox) is configured. */
  ghl: Ghl | undefined;
  /** Cron jobs the scheduler runs once per slot across instances. */
  scheduledJobs: ScheduledJob[];
  metrics: Metrics;
  /** Outbound work (setup sync, pushes); `jobs.start()` runs it in this process. */
  jobs: JobRunner;
}

/** Builds every collaborator once and connects modules; the only place that knows all of them. */
export async function wireApp(options: WireOptions): Promise<Wired> {
  const clock = options.clock ?? systemClock;
  const ids = options.generateId ?? generateId;
  const tenants: TenantsDeps = {
    database: options.database,
    clock,
    generateId: ids,
    passwords: options.passwords ?? argon2PasswordHasher,
    sessions: createSessionTokens({ secret: options.jwtSecret, ttlSeconds: options.config.auth.jwtTtlSeconds, now: () => clock.now() }),
    loginLimits: {
      maxAttemptsPerAccount: options.config.auth.loginMaxAttemptsPerAccount,
      maxAttemptsPerIp: options.config.auth.loginMaxAttemptsPerIp,
      windowSeconds: options.config.auth.loginWindowSeconds,
    },
  };
  const vault = createVault({ keyRing: options.keyRing, generateId: ids, clock });
  const app = await createHttpServer({
    logger: options.logger,
    bodyLimitBytes: options.config.http.bodyLimitBytes,
    corsOrigins: options.config.http.corsOrigins,
    version: VERSION,
    authenticator: createAuthenticator(tenants),
  });
  const metrics = createMetrics({ collectProcessMetrics: options.collectProcessMetrics ?? false });
  registerMetricsRoutes(app, { metrics, scrapeToken: options.config.http.metricsScrapeToken });
  registerHealthRoutes(app, { database: options.database, version: VERSION, migrationsFolder: MIGRATIONS_FOLDER, startedAt: clock.now(), now: () => clock.now() });
  registerTenantsRoutes(app, tenants);
  const webhooks = createWebhooks({
    database: options.database,
    logger: options.logger,
    clock,
    config: options.config.webhooks,
    postgresUrl: options.config.database.engine === 'postgres' ? options.config.database.url : undefined,
  });
  webhooks.registerRoutes(app);
  app.addHook('onClose', () => webhooks.close());

  const ghl = options.ghl
    ? createGhl({
        database: options.database,
        vault,
        clock,
        generateId: ids,
        logger: options.logger,
        onCall: (call) => {
          metrics.outboundRequests.inc({ service: 'ghl', endpoint: call.endpoint, status: String(call.status) });
          metrics.outboundRequestSeconds.observe({ service: 'ghl', endpoint: call.endpoint }, call.durationMs / 1000);
        },
        settings: {
          ...options.ghl,
          scopes: options.config.ghl.scopes,
          tokenRefreshWindowSeconds: options.config.ghl.tokenRefreshWindowSeconds,
          tokenRefreshCron: options.config.ghl.tokenRefreshCron,
          requestTimeoutMs: options.config.ghl.requestTimeoutMs,
          installStateTtlSeconds: options.config.ghl.installStateTtlSeconds,
          installDoneUrl: options.config.ghl.installDoneUrl,
          stateSecret: options.jwtSecret,
        },
      })
    : undefined;
  const jobs = new JobRunner({ database: options.database, logger: options.logger, settings: { concurrency: 4, leaseSeconds: 60 } });
  const syncHub = new SyncProgressHub();
  const setupSync = ghl ? registerSetupSync({ jobs, database: options.database, client: ghl.client, generateId: ids, clock, logger: options.logger, hub: syncHub }) : undefined;
  if (ghl) registerPushJobs(jobs, { database: options.database, client: ghl.client, clock, generateId: ids, logger: options.logger, metrics });
  if (ghl && setupSync) {
    ghl.installDeps.isSetupSyncEnabled = true;
    ghl.installDeps.onLocationInstalled = async () => jobs.wake();
  }
  const reconciliation = ghl ? registerReconciliation({ jobs, database: options.database, client: ghl.client, generateId: ids, clock, logger: options.logger, cron: options.config.ghl.reconcileCron, settings: { contactDeletionSweepHours: options.config.ghl.contactDeletionSweepHours }, metrics }) : undefined;
  registerSyncRoutes(app, { database: options.database, clock, logger: options.logger, hub: syncHub, ...(setupSync ? { setupSync } : {}) });
  registerReconciliationRoutes(app, { database: options.database, ...(reconciliation ? { reconciliation } : {}) });
  if (ghl) ghl.registerRoutes(app);
  registerCrmRoutes(app, { database: options.database, ghl: ghl?.client, generateId: ids, clock, onPushEnqueued: () => jobs.wake() });
  registerSyncHealthRoutes(app, { database: options.database, clock });
  if (options.withDefaultProcessors !== false) {
    if (ghl) ghl.registerProcessors(webhooks.processors);
    else registerGhlLifecycleProcessors(webhooks.processors, { generateId: ids, clock });
    registerCrmProcessors(webhooks.processors, { generateId: ids, clock });
  }
  const scheduledJobs: ScheduledJob[] = [...(ghl?.scheduledJobs() ?? []), ...(reconciliation?.scheduledJobs() ?? [])];
  return { app, database: options.database, vault, tenants, logger: options.logger, webhooks, processors: webhooks.processors, ghl, scheduledJobs, metrics, jobs };
}
