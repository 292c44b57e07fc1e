import { fail, succeed, type Result } from '../../platform/result/index.js';
import { DUMMY_PASSWORD_HASH } from './password-hasher.js';
import type { TenantsDeps } from './tenants.deps.js';
import { clearThrottle, findUserByEmail, listMembershipsOfUser, readThrottle, recordThrottledAttempt } from './tenants.repo.js';
import { normalizeEmail, toUserView } from './user-view.js';
import type { Session } from './register-account.js';

export type LogInError = 'invalid_credentials' | 'too_many_attempts';

/**
 * Wrong passwords and unknown emails fail the same way (same code, same argon2 work). Attempts are
 * counted per account and per IP in Postgres, so the limit holds across instances.
 */
export async function logIn(
  deps: TenantsDeps,
  input: { email: string; password: string; ip: string },
): Promise<Result<Session, LogInError>> {
  const email = normalizeEmail(input.email);
  const now = deps.clock.now();
  const { maxAttemptsPerAccount, maxAttemptsPerIp, windowSeconds } = deps.loginLimits;
  const accountKey = `login:account:${email}`;
  const ipKey = `login:ip:${input.ip}`;

  const blockedFor = await deps.database.system(async (tx) => {
    const account = await readThrottle(tx, accountKey);
    const ip = await readThrottle(tx, ipKey);
    return Math.max(
      secondsBlocked(account, maxAttemptsPerAccount, windowSeconds, now),
      secondsBlocked(ip, maxAttemptsPerIp, windowSeconds, now),
    );
  });
  if (blockedFor > 0) {
    return fail('too_many_attempts', 'Too many login attempts; try again later', { retryAfterSeconds: blockedFor });
  }

  const user = await deps.database.system((tx) => findUserByEmail(tx, email));
  const isValid = await deps.passwords.verify(user?.passwordHash ?? DUMMY_PASSWORD_HASH, input.password);
  if (!user || !isValid) {
    await deps.database.system(async (tx) => {
      await recordThrottledAttempt(tx, accountKey, now, windowSeconds);
      await recordThrottledAttempt(tx, ipKey, now, windowSeconds);
    });
    return fail('invalid_credentials', 'Email or password is incorrect');
  }
  const memberships = await deps.database.system(async (tx) => {
    await clearThrottle(tx, accountKey);
    return listMembershipsOfUser(tx, user.id);
  });
  const session = await deps.sessions.issue(user.id);
  return succeed({ user: toUserView(user, memberships), ...session });
}

function secondsBlocked(
  state: { attempts: number; windowStartedAt: Date } | undefined,
  maxAttempts: number,
  windowSeconds: number,
  now: Date,
): number {
  if (!state || state.attempts < maxAttempts) return 0;
  const windowEndsAt = state.windowStartedAt.getTime() + windowSeconds * 1000;
  return Math.max(0, Math.ceil((windowEndsAt - now.getTime()) / 1000));
}
