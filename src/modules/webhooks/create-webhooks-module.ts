import type { WebhooksConfig } from '../../config/index.js';
import type { Clock } from '../../platform/clock/clock.js';
import type { Database } from '../../platform/db/index.js';
import type { HttpServer } from '../../platform/http/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { AppModule } from '../../platform/module/index.js';
import { WakeupHub, createCoalescingNotifier, startPgListener } from '../../platform/queue/index.js';
import type { IngestDeps } from './ingest-webhook.js';
import { ProcessorRegistry } from './processor-registry.js';
import { startBacklogGauge } from './webhook-backlog-gauge.js';
import { startWebhookDispatcher, type RunningDispatcher } from './webhook-dispatcher.js';
import { WEBHOOK_NOTIFY_CHANNEL, notifyInboxQueues } from './webhook-inbox.repo.js';
import { createInboxCommitter } from './webhook-inbox-writer.js';
import { registerWebhookIngestRoutes } from './webhook-ingest.routes.js';
import { registerWebhookOpsRoutes } from './webhook-ops.routes.js';
import { WEBHOOK_QUEUE_NAMES, isWebhookQueueName, type WebhookQueueName } from './webhook-routing.js';
import { WebhookSecretRegistry } from './webhook-secrets.js';
import { createGhlWebhookKeys } from './webhook-signatures.js';
import { scheduleWebhookRetention } from './prune-webhook-events.js';
import { WebhookRollupRecorder } from './webhook-rollup-recorder.js';
import { registerWebhookRollupRoutes } from './webhook-rollups.routes.js';
import { webhookRollupRetentionJob } from './prune-webhook-rollups.js';

export interface WebhooksDeps {
  database: Database;
  logger: Logger;
  clock: Clock;
  config: WebhooksConfig;
  /** Set on PostgreSQL: workers LISTEN for new-event hints on a dedicated connection. */
  postgresUrl?: string | undefined;
}

export interface WebhookWorkers {
  workerId: string;
  stop(): Promise<void>;
}

/** The webhook pipeline: ingest routes, ops API, processor registry, and workers to start where wanted. */
export interface WebhooksModule extends AppModule {
  /** Other modules' webhook subscriptions land here (src/main subscribes each module's `webhooks`). */
  processors: ProcessorRegistry;
  /** Modules add HMAC secret resolvers here (workflow/custom and integration webhooks). */
  secrets: WebhookSecretRegistry;
  registerRoutes(app: HttpServer): void;
  /** Starts continuous workers (all queues unless WEBHOOK_WORKER_QUEUES narrows them) and the retention job. */
  startWorkers(options?: { workerId?: string; queues?: readonly WebhookQueueName[] }): WebhookWorkers;
  /** Stops ingest background timers (call after the HTTP server closed). */
  close(): Promise<void>;
}

export function createWebhooksModule(deps: WebhooksDeps): WebhooksModule {
  const { config, database, logger, clock } = deps;
  const processors = new ProcessorRegistry();
  const secrets = new WebhookSecretRegistry(config.hmacSecrets);
  const hub = new WakeupHub();
  const keys = createGhlWebhookKeys({ ed25519Pem: config.ghlEd25519PublicKeyPem, rsaPem: config.ghlRsaPublicKeyPem });
  let backlog: ReturnType<typeof startBacklogGauge> | undefined;
  // Dashboard time series: counted in memory here, written to webhook_rollups in one statement per flush.
  const rollups = new WebhookRollupRecorder({ database, clock, logger, flushIntervalMs: config.rollupFlushMs });
  // Other processes (npm run worker) learn of new events through NOTIFY; PGlite has no other process.
  const crossProcess =
    database.engine === 'postgres'
      ? createCoalescingNotifier((queues) => notifyInboxQueues(database.db, queues), 10, (error) => logger.debug({ err: error }, 'webhook NOTIFY failed'))
      : undefined;
  const committer = createInboxCommitter(database, {
    maxBatch: config.ingestBatchMax,
    maxConcurrentFlushes: config.ingestFlushConcurrency ?? (database.engine === 'pglite' ? 1 : 2),
    maxQueued: config.ingestQueueLimit,
  });
  const ingest: IngestDeps = {
    database,
    clock,
    keys,
    routeOf: (eventType) => processors.routeOf(eventType),
    secrets,
    committer,
    backlog: { isOverLimit: () => backlog?.isOverLimit() ?? false },
    timestampToleranceSeconds: config.timestampToleranceSeconds,
    timestampFutureSkewSeconds: config.timestampFutureSkewSeconds,
    ingestTimeoutMs: config.ingestTimeoutMs,
    onStored: (queue, tenantKey) => {
      hub.notify(queue);
      crossProcess?.add(queue);
      rollups.recordReceived(queue, tenantKey);
    },
  };

  return {
    name: 'webhooks',
    processors,
    secrets,
    registerRoutes(app) {
      backlog ??= startBacklogGauge(database, { limit: config.backlogLimit, intervalMs: 1000, logger });
      registerWebhookIngestRoutes(app, { ingest, bodyLimitBytes: config.bodyLimitBytes, retryAfterSeconds: config.retryAfterSeconds });
      registerWebhookOpsRoutes(app, { database, clock, onReplayed: (queues) => queues.forEach((queue) => hub.notify(queue)) });
      registerWebhookRollupRoutes(app, { database, clock, logger });
      rollups.start();
    },
    startWorkers(options = {}) {
      const configured = (config.workerQueues ?? [...WEBHOOK_QUEUE_NAMES]).filter(isWebhookQueueName);
      const queues = options.queues ?? configured;
      const dispatcher: RunningDispatcher = startWebhookDispatcher({
        database,
        registry: processors,
        hub,
        logger,
        queues,
        // PGlite is one session: a worker step waits for a waiting webhook batch to be written first.
        // On PostgreSQL ingest has connections of its own; waiting for its flushes would only delay processing.
        ...(database.engine === 'pglite' ? { yieldToIngest: () => committer.yieldTurn(), isIngestWaiting: () => committer.queuedCount > 0 } : {}),
        onFinished: (finished) => rollups.recordFinished(finished),
        ...(options.workerId ? { workerId: options.workerId } : {}),
        settings: {
          maxAttempts: config.maxAttempts,
          retryBaseSeconds: config.retryBaseSeconds,
          retryMaxSeconds: config.retryMaxSeconds,
          leaseSeconds: config.leaseSeconds,
          batchSize: config.workerBatchSize,
          concurrency: config.workerConcurrency,
          perLocation: config.workerPerLocation,
          idleMs: config.workerIdleMs,
          overdueShare: config.workerOverdueShare,
        },
      });
      const listener = deps.postgresUrl
        ? startPgListener({
            url: deps.postgresUrl,
            channel: WEBHOOK_NOTIFY_CHANNEL,
            onNotify: (payload) => payload.split(',').forEach((queue) => hub.notify(queue)),
            onError: (error) => logger.warn({ err: error }, 'webhook LISTEN connection failed; workers fall back to their idle timer'),
          })
        : undefined;
      const retention = scheduleWebhookRetention(database, clock, logger, {
        retentionDays: config.retentionDays,
        timestampToleranceSeconds: config.timestampToleranceSeconds,
        cron: config.retentionCron,
      });
      rollups.start();
      logger.info({ workerId: dispatcher.workerId, queues }, 'webhook workers started');
      return {
        workerId: dispatcher.workerId,
        async stop() {
          retention.stop();
          await listener?.stop();
          await dispatcher.stop();
          await rollups.flush();
        },
      };
    },
    schedules: [webhookRollupRetentionJob(database, clock, { retentionDays: config.rollupRetentionDays, cron: '23 * * * *' })],
    async close() {
      backlog?.stop();
      crossProcess?.stop();
      await rollups.stop();
    },
  };
}
