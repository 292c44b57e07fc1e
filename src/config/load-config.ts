import type { z } from 'zod';
import { envSchema, findCrossFieldProblems, normalizePem, type Env } from './config.schema.js';
import { findGhlConfigProblems, ghlEnvSchema, readGhlConfig, type GhlConfig } from './ghl.config.js';
import { findNotificationsConfigProblems, notificationsEnvSchema, readNotificationsConfig, type NotificationsConfig } from './notifications.config.js';

export interface HttpConfig {
  host: string;
  port: number;
  publicUrl: string | undefined;
  corsOrigins: string[];
  bodyLimitBytes: number;
  shutdownGraceMs: number;
  /** Bearer token Prometheus must send to /metrics; undefined = open. */
  metricsScrapeToken: string | undefined;
}

export type DatabaseConfig =
  /** `thread`: where PGlite runs — its own worker thread (default) or the main thread. */
  | { engine: 'pglite'; dataDir: string; thread: 'worker' | 'main' }
  | { engine: 'postgres'; url: string; poolMax: number };

export interface AuthConfig {
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  loginMaxAttemptsPerAccount: number;
  loginMaxAttemptsPerIp: number;
  loginWindowSeconds: number;
  registerMaxAttemptsPerIp: number;
  registerWindowSeconds: number;
}

export interface HttpClientConfig {
  /** Refuse outbound calls made while a database transaction is open (on in tests). */
  refuseCallsInTransaction: boolean;
}

export interface JobsConfig {
  /** Outbox jobs (pushes, setup sync, notifications) one process runs at once. */
  workerConcurrency: number;
  /** A claimed job whose worker stops renewing it (crashed) runs again after this. */
  leaseSeconds: number;
}

export interface VaultConfig {
  /** keyId → 32-byte key; undefined means "development: generate and keep one in the data dir". */
  keys: Map<string, Buffer> | undefined;
  activeKeyId: string | undefined;
}

export interface WebhooksConfig {
  /** PEM overrides of GHL's published keys (the sandbox signs with its own); undefined = GHL's keys. */
  ghlEd25519PublicKeyPem: string | undefined;
  ghlRsaPublicKeyPem: string | undefined;
  /** integrationId → HMAC-SHA256 secret for workflow/custom and integration webhooks configured by env. */
  hmacSecrets: Map<string, string>;
  timestampToleranceSeconds: number;
  timestampFutureSkewSeconds: number;
  bodyLimitBytes: number;
  backlogLimit: number;
  ingestQueueLimit: number;
  ingestBatchMax: number;
  /** undefined = chosen by engine (1 on PGlite, 4 on PostgreSQL). */
  ingestFlushConcurrency: number | undefined;
  ingestTimeoutMs: number;
  retryAfterSeconds: number;
  maxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  leaseSeconds: number;
  workerBatchSize: number;
  workerConcurrency: number;
  workerPerLocation: number;
  workerIdleMs: number;
  /** Share of a queue's SLA after which its waiting work ranks with the best bulk level (never with critical or messages). */
  workerOverdueShare: number;
  /** undefined = every queue. */
  workerQueues: string[] | undefined;
  retentionDays: number;
  retentionCron: string;
  /** Per-minute rollup rows (dashboard time series) older than this are pruned hourly. */
  rollupRetentionDays: number;
  /** How often each process adds its counted webhooks to webhook_rollups. */
  rollupFlushMs: number;
}

export interface AppConfig {
  env: Env['NODE_ENV'];
  logLevel: Env['LOG_LEVEL'];
  http: HttpConfig;
  httpClient: HttpClientConfig;
  jobs: JobsConfig;
  database: DatabaseConfig;
  auth: AuthConfig;
  vault: VaultConfig;
  webhooks: WebhooksConfig;
  ghl: GhlConfig;
  notifications: NotificationsConfig;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the whole environment once; every problem is reported together. */
export function loadConfig(source: Record<string, string | undefined>): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(cleaned);
  const parsedGhl = ghlEnvSchema.safeParse(cleaned);
  const parsedNotifications = notificationsEnvSchema.safeParse(cleaned);
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map(describeIssue)),
    ...(parsedGhl.success ? [] : parsedGhl.error.issues.map(describeIssue)),
    ...(parsedNotifications.success ? [] : parsedNotifications.error.issues.map(describeIssue)),
    ...findCrossFieldProblems(cleaned),
    ...findGhlConfigProblems(cleaned),
    ...findNotificationsConfigProblems(cleaned),
  ];
  if (!parsed.success || !parsedGhl.success || !parsedNotifications.success || problems.length > 0) throw new ConfigError(problems);
  const env = parsed.data;
  const vaultKeys = env.VAULT_KEYS ? parseVaultKeys(env.VAULT_KEYS) : undefined;
  const activeKeyId = env.VAULT_ACTIVE_KEY_ID ?? (vaultKeys ? [...vaultKeys.keys()].at(-1) : undefined);
  if (vaultKeys && activeKeyId && !vaultKeys.has(activeKeyId)) {
    throw new ConfigError([`VAULT_ACTIVE_KEY_ID: "${activeKeyId}" is not one of the ids in VAULT_KEYS`]);
  }
  return {
    ghl: readGhlConfig(parsedGhl.data),
    notifications: readNotificationsConfig(parsedNotifications.data),
    env: env.NODE_ENV,
    logLevel: env.LOG_LEVEL,
    http: {
      host: env.HOST,
      port: env.PORT,
      publicUrl: env.PUBLIC_URL,
      corsOrigins: env.CORS_ORIGINS,
      bodyLimitBytes: env.BODY_LIMIT_BYTES,
      shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
      metricsScrapeToken: env.METRICS_SCRAPE_TOKEN,
    },
    httpClient: { refuseCallsInTransaction: env.HTTP_CLIENT_TRANSACTION_GUARD === 'on' },
    jobs: { workerConcurrency: env.JOB_WORKER_CONCURRENCY, leaseSeconds: env.JOB_LEASE_SECONDS },
    database: env.DATABASE_URL
      ? { engine: 'postgres', url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX }
      : { engine: 'pglite', dataDir: env.PGLITE_DATA_DIR, thread: env.PGLITE_THREAD },
    auth: {
      jwtSecret: env.JWT_SECRET,
      jwtTtlSeconds: env.JWT_TTL_SECONDS,
      loginMaxAttemptsPerAccount: env.LOGIN_MAX_ATTEMPTS_PER_ACCOUNT,
      loginMaxAttemptsPerIp: env.LOGIN_MAX_ATTEMPTS_PER_IP,
      loginWindowSeconds: env.LOGIN_WINDOW_SECONDS,
      registerMaxAttemptsPerIp: env.REGISTER_MAX_ATTEMPTS_PER_IP,
      registerWindowSeconds: env.REGISTER_WINDOW_SECONDS,
    },
    vault: { keys: vaultKeys, activeKeyId },
    webhooks: {
      ghlEd25519PublicKeyPem: env.GHL_WEBHOOK_ED25519_PUBLIC_KEY ? normalizePem(env.GHL_WEBHOOK_ED25519_PUBLIC_KEY) : undefined,
      ghlRsaPublicKeyPem: env.GHL_WEBHOOK_RSA_PUBLIC_KEY ? normalizePem(env.GHL_WEBHOOK_RSA_PUBLIC_KEY) : undefined,
      hmacSecrets: parseHmacSecrets(env.WEBHOOK_HMAC_SECRETS ?? ''),
      timestampToleranceSeconds: env.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
      timestampFutureSkewSeconds: env.WEBHOOK_TIMESTAMP_FUTURE_SKEW_SECONDS,
      bodyLimitBytes: env.WEBHOOK_BODY_LIMIT_BYTES,
      backlogLimit: env.WEBHOOK_BACKLOG_LIMIT,
      ingestQueueLimit: env.WEBHOOK_INGEST_QUEUE_LIMIT,
      ingestBatchMax: env.WEBHOOK_INGEST_BATCH_MAX,
      ingestFlushConcurrency: env.WEBHOOK_INGEST_FLUSH_CONCURRENCY,
      ingestTimeoutMs: env.WEBHOOK_INGEST_TIMEOUT_MS,
      retryAfterSeconds: env.WEBHOOK_RETRY_AFTER_SECONDS,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      retryBaseSeconds: env.WEBHOOK_RETRY_BASE_SECONDS,
      retryMaxSeconds: env.WEBHOOK_RETRY_MAX_SECONDS,
      leaseSeconds: env.WEBHOOK_LEASE_SECONDS,
      workerBatchSize: env.WEBHOOK_WORKER_BATCH_SIZE,
      workerConcurrency: env.WEBHOOK_WORKER_CONCURRENCY,
      workerPerLocation: env.WEBHOOK_WORKER_PER_LOCATION,
      workerIdleMs: env.WEBHOOK_WORKER_IDLE_MS,
      workerOverdueShare: env.WEBHOOK_WORKER_OVERDUE_SHARE,
      workerQueues: env.WEBHOOK_WORKER_QUEUES && env.WEBHOOK_WORKER_QUEUES.length > 0 ? env.WEBHOOK_WORKER_QUEUES : undefined,
      retentionDays: env.WEBHOOK_RETENTION_DAYS,
      retentionCron: env.WEBHOOK_RETENTION_CRON,
      rollupRetentionDays: env.WEBHOOK_ROLLUP_RETENTION_DAYS,
      rollupFlushMs: env.WEBHOOK_ROLLUP_FLUSH_MS,
    },
  };
}

export function parseHmacSecrets(raw: string): Map<string, string> {
  const secrets = new Map<string, string>();
  for (const entry of raw.split(',')) {
    const separator = entry.indexOf(':');
    if (separator > 0) secrets.set(entry.slice(0, separator).trim(), entry.slice(separator + 1).trim());
  }
  return secrets;
}

export function parseVaultKeys(raw: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  for (const entry of raw.split(',')) {
    const [keyId, encoded] = entry.trim().split(':');
    if (keyId && encoded) keys.set(keyId, Buffer.from(encoded, 'base64'));
  }
  return keys;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const name = issue.path.join('.') || '(environment)';
  return `${name}: ${issue.message}`;
}
