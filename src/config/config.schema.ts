import { z } from 'zod';

const commaList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

/** Every environment variable the service reads. `.env.example` documents each one. */
export const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    // Loopback unless set: a development instance (sandbox, generated secrets) is not for the network.
    HOST: z.string().min(1).default('127.0.0.1'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CORS_ORIGINS: commaList.default([]),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
    METRICS_SCRAPE_TOKEN: z.string().min(16).optional(),
    HTTP_CLIENT_TRANSACTION_GUARD: z.enum(['on', 'off']).default('off'),
    JOB_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(8),
    JOB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    PGLITE_DATA_DIR: z.string().min(1).default('./data/pglite'),
    PGLITE_THREAD: z.enum(['worker', 'main']).default('worker'),

    JWT_SECRET: z.string().min(1).optional(),
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
    LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
    LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(50),
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
    REGISTER_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(20),
    REGISTER_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3600),

    VAULT_KEYS: z.string().min(1).optional(),
    VAULT_ACTIVE_KEY_ID: z.string().min(1).optional(),

    GHL_WEBHOOK_ED25519_PUBLIC_KEY: z.string().min(1).optional(),
    GHL_WEBHOOK_RSA_PUBLIC_KEY: z.string().min(1).optional(),
    WEBHOOK_HMAC_SECRETS: z.string().min(1).optional(),
    WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: z.coerce.number().int().min(0).default(4800),
    WEBHOOK_TIMESTAMP_FUTURE_SKEW_SECONDS: z.coerce.number().int().min(0).default(300),
    WEBHOOK_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    WEBHOOK_BACKLOG_LIMIT: z.coerce.number().int().min(1).default(500_000),
    WEBHOOK_INGEST_QUEUE_LIMIT: z.coerce.number().int().min(1).default(20_000),
    WEBHOOK_INGEST_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(500),
    WEBHOOK_INGEST_FLUSH_CONCURRENCY: z.coerce.number().int().min(1).max(32).optional(),
    WEBHOOK_INGEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
    WEBHOOK_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).default(60),
    WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
    WEBHOOK_RETRY_BASE_SECONDS: z.coerce.number().min(0).default(5),
    WEBHOOK_RETRY_MAX_SECONDS: z.coerce.number().min(1).default(3600),
    WEBHOOK_LEASE_SECONDS: z.coerce.number().int().min(1).default(60),
    WEBHOOK_WORKER_BATCH_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
    WEBHOOK_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
    WEBHOOK_WORKER_PER_LOCATION: z.coerce.number().int().min(1).max(1000).default(40),
    WEBHOOK_WORKER_IDLE_MS: z.coerce.number().int().min(10).default(500),
    WEBHOOK_WORKER_OVERDUE_SHARE: z.coerce.number().min(0).max(1).default(0.1),
    WEBHOOK_WORKER_QUEUES: commaList.optional(),
    WEBHOOK_RETENTION_DAYS: z.coerce.number().min(0).default(7),
    WEBHOOK_RETENTION_CRON: z.string().min(1).default('17 * * * *'),
    WEBHOOK_ROLLUP_RETENTION_DAYS: z.coerce.number().min(1).default(7),
    WEBHOOK_ROLLUP_FLUSH_MS: z.coerce.number().int().min(50).max(60_000).default(5000),
  });

/**
 * Rules that span variables. They read the raw strings so they are reported together with every
 * other problem (zod skips object refinements once a field has failed).
 */
export function findCrossFieldProblems(raw: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const nodeEnv = raw.NODE_ENV ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'test') {
    if (!raw.JWT_SECRET || raw.JWT_SECRET.length < 32) problems.push('JWT_SECRET: must be set to at least 32 characters outside development');
    if (!raw.VAULT_KEYS) problems.push('VAULT_KEYS: must be set outside development (keyId:base64-32-byte-key,...)');
  }
  if (raw.VAULT_KEYS) {
    const problem = findVaultKeysProblem(raw.VAULT_KEYS);
    if (problem) problems.push(`VAULT_KEYS: ${problem}`);
  }
  if (raw.WEBHOOK_HMAC_SECRETS) {
    const problem = findHmacSecretsProblem(raw.WEBHOOK_HMAC_SECRETS);
    if (problem) problems.push(`WEBHOOK_HMAC_SECRETS: ${problem}`);
  }
  for (const name of ['GHL_WEBHOOK_ED25519_PUBLIC_KEY', 'GHL_WEBHOOK_RSA_PUBLIC_KEY'] as const) {
    const value = raw[name];
    if (value && !normalizePem(value).includes('-----BEGIN PUBLIC KEY-----')) problems.push(`${name}: must be a PEM public key (-----BEGIN PUBLIC KEY----- ...; \\n escapes allowed)`);
  }
  return problems;
}

/** PEM keys arrive through env files on one line with literal \n escapes. */
export function normalizePem(value: string): string {
  return value.replace(/\\n/g, '\n').trim();
}

export function findHmacSecretsProblem(raw: string): string | undefined {
  for (const entry of raw.split(',')) {
    const separator = entry.indexOf(':');
    const integrationId = entry.slice(0, separator).trim();
    const secret = entry.slice(separator + 1).trim();
    if (separator <= 0 || !/^[A-Za-z0-9_.-]{1,128}$/.test(integrationId) || secret.length < 16) {
      return 'each entry must be integrationId:secret with an id of letters, digits, _ . - and a secret of at least 16 characters';
    }
  }
  return undefined;
}

export type Env = z.infer<typeof envSchema>;

export function findVaultKeysProblem(raw: string): string | undefined {
  for (const entry of raw.split(',')) {
    const [keyId, encoded] = entry.trim().split(':');
    if (!keyId || !encoded || !/^[A-Za-z0-9_-]{1,32}$/.test(keyId)) {
      return 'each entry must be keyId:base64key with keyId of letters, digits, _ or -';
    }
    if (Buffer.from(encoded, 'base64').length !== 32) {
      return `key "${keyId}" must decode from base64 to exactly 32 bytes`;
    }
  }
  return undefined;
}

