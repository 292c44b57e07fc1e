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
    HOST: z.string().min(1).default('0.0.0.0'),
    PORT: z.coerce.number().int().min(0).max(65535).default(3000),
    PUBLIC_URL: z.url().optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    CORS_ORIGINS: commaList.default([]),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1_048_576),
    SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(10_000),

    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
      .optional(),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
    PGLITE_DATA_DIR: z.string().min(1).default('./data/pglite'),

    JWT_SECRET: z.string().min(1).optional(),
    JWT_TTL_SECONDS: z.coerce.number().int().min(60).default(7 * 24 * 3600),
    LOGIN_MAX_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
    LOGIN_MAX_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(50),
    LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),

    VAULT_KEYS: z.string().min(1).optional(),
    VAULT_ACTIVE_KEY_ID: z.string().min(1).optional(),
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
  return problems;
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

