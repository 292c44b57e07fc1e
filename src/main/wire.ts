import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import type { AppConfig } from '../config/index.js';
import { systemClock, type Clock } from '../platform/clock/clock.js';
import type { KeyRing } from '../platform/crypto/index.js';
import type { Database } from '../platform/db/index.js';
import { createHttpServer, registerStaticSite, type HttpServer } from '../platform/http/index.js';
import { generateId, type IdGenerator } from '../platform/ids/ids.js';
import type { Logger } from '../platform/log/index.js';
import { createHealthModule } from '../modules/health/index.js';
import { createMetrics, type Metrics } from '../platform/metrics/index.js';
import { argon2PasswordHasher, createSessionTokens, createTenantsModule, type PasswordHasher, type TenantsDeps } from '../modules/tenants/index.js';
import { createVaultModule, type Vault } from '../modules/vault/index.js';
import { createWebhooksModule, type ProcessorRegistry, type WebhooksModule } from '../modules/webhooks/index.js';
import { createCrmModule, type CrmModule, type GhlGateway } from '../modules/crm/index.js';
import { createGhlModule, ghlInstallDirectory, type GhlConnection } from '../modules/ghl/index.js';
import type { AppModule } from '../platform/module/index.js';
import { JobRunner, listenForJobs } from '../platform/jobs/index.js';
import type { HttpExchange } from '../platform/http-client/index.js';
import { createNotificationsModule, type CapturedMessagesSource, type NotificationsModule } from '../modules/notifications/index.js';
import { buildNotificationsDeps } from './notifications-runtime.js';
import type { ScheduledJob } from '../platform/scheduler/index.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MIGRATIONS_FOLDER = join(REPO_ROOT, 'migrations');
/** Where `npm start` builds the dashboard (dashboard/ sources, git-ignored output; see build-dashboard.ts). */
export const DASHBOARD_DIST = join(REPO_ROOT, 'dashboard', 'dist');
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
  /** The built dashboard served at /dashboard; default DASHBOARD_DIST. */
  dashboardDir?: string;
  /** Observes every request sent to GHL and its answer (test wiring records them for contract checks). */
  onGhlExchange?: (exchange: HttpExchange) => void;
  /** false: register no module's webhook processors (pipeline tests plug in their own). Default true. */
  withDefaultProcessors?: boolean;
  /** Sandbox mode: the provider fakes' inbox, listed at /api/notifications/sandbox/messages. */
  capturedMessages?: CapturedMessagesSource;
}

export interface Wired {
  app: HttpServer;
  database: Database;
  vault: Vault;
  tenants: TenantsDeps;
  logger: Logger;
  /** The webhook pipeline; `webhooks.startWorkers()` runs workers in this process. */
  webhooks: WebhooksModule;
  /** Where modules register webhook processors (same object as webhooks.processors). */
  processors: ProcessorRegistry;
  /** The GHL marketplace app (OAuth, tokens, client); undefined when no GHL (or sandbox) is configured. */
  ghl: GhlConnection | undefined;
  crm: CrmModule;
  /** Other modules receive `notifications.notify` through their deps. */
  notifications: NotificationsModule;
  /** Every module, in the order they were wired. */
  modules: readonly AppModule[];
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
    registerLimits: { maxAttemptsPerIp: options.config.auth.registerMaxAttemptsPerIp, windowSeconds: options.config.auth.registerWindowSeconds },
  };
  const vaultModule = createVaultModule({ keyRing: options.keyRing, generateId: ids, clock });
  const vault = vaultModule.vault;
  const tenantsModule = createTenantsModule(tenants, { browserSessions: { publicUrl: options.config.http.publicUrl, isDemoEnabled: options.config.env !== 'production' } });
  const app = await createHttpServer({
    logger: options.logger,
    bodyLimitBytes: options.config.http.bodyLimitBytes,
    corsOrigins: options.config.http.corsOrigins,
    version: VERSION,
    authenticator: tenantsModule.authenticator,
  });
  const metrics = createMetrics({ collectProcessMetrics: options.collectProcessMetrics ?? false });
  // The operator dashboard (dashboard/, built into DASHBOARD_DIST) is served by the API process.
  registerStaticSite(app, { prefix: '/dashboard', root: options.dashboardDir ?? DASHBOARD_DIST, isRootRedirect: true, notBuiltHint: 'The dashboard is not built yet: run `npm run dashboard:build` (npm start and npm run api build it when its sources changed).\n' });
  const jobs = new JobRunner({ database: options.database, logger: options.logger, settings: { concurrency: options.config.jobs.workerConcurrency, leaseSeconds: options.config.jobs.leaseSeconds } });
  const webhooks = createWebhooksModule({
    database: options.database,
    logger: options.logger,
    clock,
    config: options.config.webhooks,
    postgresUrl: options.config.database.engine === 'postgres' ? options.config.database.url : undefined,
  });
  // crm is built after ghl (it needs ghl's client); the install listener reaches it once it exists.
  const late: { crm?: CrmModule } = {};
  const ghl = createGhlModule({
    database: options.database,
    vault,
    clock,
    generateId: ids,
    logger: options.logger,
    onCall: (call) => {
      metrics.outboundRequests.inc({ service: 'ghl', endpoint: call.endpoint, status: String(call.status) });
      metrics.outboundRequestSeconds.observe({ service: 'ghl', endpoint: call.endpoint }, call.durationMs / 1000);
    },
    onExchange: options.onGhlExchange,
    settings: options.ghl
      ? {
          ...options.ghl,
          scopes: options.config.ghl.scopes,
          tokenRefreshWindowSeconds: options.config.ghl.tokenRefreshWindowSeconds,
          tokenRefreshCron: options.config.ghl.tokenRefreshCron,
          requestTimeoutMs: options.config.ghl.requestTimeoutMs,
          installStateTtlSeconds: options.config.ghl.installStateTtlSeconds,
          installDoneUrl: options.config.ghl.installDoneUrl,
          stateSecret: options.jwtSecret,
          refuseCallsInTransaction: options.config.httpClient.refuseCallsInTransaction,
        }
      : undefined,
    installListener: {
      onLocationInstalled: (tx, location) => requireModule(late.crm).locationLifecycle.onLocationInstalled(tx, location),
      afterLocationInstalled: (location) => requireModule(late.crm).locationLifecycle.afterLocationInstalled(location),
    },
  });
  // The GHL client implements the gateway crm declares; TypeScript checks the fit here.
  const gateway: GhlGateway | undefined = ghl.connection?.client;
  const crm = createCrmModule({
    database: options.database,
    clock,
    generateId: ids,
    logger: options.logger,
    gateway,
    installs: ghlInstallDirectory,
    wakeJobs: () => jobs.wake(),
    metrics,
    settings: { reconcileCron: options.config.ghl.reconcileCron, reconcile: { contactDeletionSweepHours: options.config.ghl.contactDeletionSweepHours } },
  });
  late.crm = crm;
  const health = createHealthModule({
    database: options.database,
    version: VERSION,
    migrationsFolder: MIGRATIONS_FOLDER,
    startedAt: clock.now(),
    now: () => clock.now(),
    metrics,
    metricsScrapeToken: options.config.http.metricsScrapeToken,
  });

  const notifications = createNotificationsModule(
    buildNotificationsDeps({ config: options.config, database: options.database, clock, generateId: ids, logger: options.logger, vault, metrics, serverSecret: options.jwtSecret, wakeJobs: () => jobs.wake(), captured: options.capturedMessages }),
  );

  const modules: readonly AppModule[] = [health, tenantsModule, vaultModule, webhooks, ghl, crm, notifications];
  const scheduledJobs: ScheduledJob[] = [];
  for (const module of modules) {
    module.registerRoutes?.(app);
    if (options.withDefaultProcessors !== false) webhooks.processors.subscribeAll(module.webhooks ?? []);
    for (const job of module.jobs ?? []) jobs.register(job.kind, job.handle);
    scheduledJobs.push(...(module.schedules ?? []));
    const { close } = module;
    if (close) app.addHook('onClose', () => close.call(module));
  }
  return { app, database: options.database, vault, tenants, logger: options.logger, webhooks, processors: webhooks.processors, ghl: ghl.connection, crm, notifications, modules, scheduledJobs, metrics, jobs };
}

/**
 * The background work of a worker process (`npm run worker`, and `npm start`): webhook workers, the
 * job runner, and on PostgreSQL the LISTEN connection that wakes the runner when any process commits
 * a job. Stops in the order shutdown needs: webhook workers, jobs (letting running ones finish), listener.
 */
export function startBackgroundWork(wired: Wired, config: AppConfig): { workerId: string; stop(): Promise<void> } {
  const workers = wired.webhooks.startWorkers();
  wired.jobs.start();
  const jobListener =
    config.database.engine === 'postgres'
      ? listenForJobs(wired.jobs, { url: config.database.url, onError: (error) => wired.logger.warn({ err: error }, 'jobs LISTEN connection failed; the runner falls back to its idle timer') })
      : undefined;
  return {
    workerId: workers.workerId,
    async stop() {
      await workers.stop();
      await wired.jobs.stop();
      await jobListener?.stop();
    },
  };
}

function requireModule<T>(module: T | undefined): T {
  if (!module) throw new Error('a module was used before wiring finished');
  return module;
}
