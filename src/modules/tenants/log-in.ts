import { fail, succeed, type Result } from '../../platform/result/index.js';
import { DUMMY_PASSWORD_HASH } from './password-hasher.js';
import type { TenantsDeps } from './tenants.deps.js';
import { clearThrottle, findUserByEmail, listMembershipsOfUser, releaseThrottledAttempt, reserveThrottledAttempt, type ThrottleReservation } from './tenants.repo.js';
import { normalizeEmail, toUserView } from './user-view.js';
import type { Session } from './register-account.js';
import { startUserSession } from './user-sessions.js';

export type LogInError = 'invalid_credentials' | 'too_many_attempts';

/**
 * Wrong passwords and unknown emails fail the same way (same code, same argon2 work). Every attempt
 * takes a slot per account and per IP in Postgres before its password is checked, so the limit
 * holds across instances and against parallel guesses; a successful login gives its slots back.
 */
export async function logIn(
  deps: TenantsDeps,
  input: { email: string; password: string; ip: string; userAgent?: string | undefined },
): Promise<Result<Session, LogInError>> {
  const email = normalizeEmail(input.email);
  const now = deps.clock.now();
  const { maxAttemptsPerAccount, maxAttemptsPerIp, windowSeconds } = deps.loginLimits;
  const accountKey = `login:account:${email}`;
  const ipKey = `login:ip:${input.ip}`;

  // Always IP then account, so concurrent logins lock the two rows in one order.
  const reservation = await deps.database.system(async (tx): Promise<ThrottleReservation> => {
    const ip = await reserveThrottledAttempt(tx, { key: ipKey, now, windowSeconds, maxAttempts: maxAttemptsPerIp });
    if (!ip.isAllowed) return ip;
    const account = await reserveThrottledAttempt(tx, { key: accountKey, now, windowSeconds, maxAttempts: maxAttemptsPerAccount });
    if (!account.isAllowed) await releaseThrottledAttempt(tx, ipKey);
    return account;
  });
  if (!reservation.isAllowed) {
    return fail('too_many_attempts', 'Too many login attempts; try again later', { retryAfterSeconds: reservation.retryAfterSeconds });
  }

  const user = await deps.database.system((tx) => findUserByEmail(tx, email));
  const isValid = await deps.passwords.verify(user?.passwordHash ?? DUMMY_PASSWORD_HASH, input.password);
  if (!user || !isValid) return fail('invalid_credentials', 'Email or password is incorrect');
  const memberships = await deps.database.system(async (tx) => {
    await releaseThrottledAttempt(tx, ipKey);
    await clearThrottle(tx, accountKey);
    return listMembershipsOfUser(tx, user.id);
  });
  const session = await startUserSession(deps, user, { ip: input.ip, userAgent: input.userAgent });
  return succeed({ user: toUserView(user, memberships), ...session });
}
