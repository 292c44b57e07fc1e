import type { Clock } from '../../platform/clock/clock.js';
import type { Database } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import type { PasswordHasher } from './password-hasher.js';
import type { SessionTokens } from './session-tokens.js';

export interface LoginLimits {
  maxAttemptsPerAccount: number;
  maxAttemptsPerIp: number;
  windowSeconds: number;
}

export interface RegisterLimits {
  maxAttemptsPerIp: number;
  windowSeconds: number;
}

/** Collaborators of every tenants use case, passed as the first argument. */
export interface TenantsDeps {
  database: Database;
  clock: Clock;
  generateId: IdGenerator;
  passwords: PasswordHasher;
  sessions: SessionTokens;
  loginLimits: LoginLimits;
  registerLimits: RegisterLimits;
}
