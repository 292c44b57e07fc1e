import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { findPasswordProblem, PASSWORD_PROBLEM_MESSAGES, type PasswordProblem } from './password-policy.js';
import type { TenantsDeps } from './tenants.deps.js';
import { clearThrottle, findUserById, releaseThrottledAttempt, reserveThrottledAttempt, updateUserPasswordHash } from './tenants.repo.js';
import { sessionOf } from './user-sessions.js';
import { revokeUserSessionsExcept } from './user-sessions.repo.js';

export type ChangePasswordError = 'users_only' | 'not_found' | 'current_password_incorrect' | 'password_unchanged' | 'too_many_attempts' | PasswordProblem;

/**
 * A signed-in user sets a new password. The current one must be given: a session left open on a
 * shared computer is not enough to take the account over. Guesses of it count against the same
 * per-account budget as logins (so this is no side door for guessing), and every other session of
 * the user ends, since whoever knew the old password may hold one of them.
 */
export async function changePassword(
  deps: TenantsDeps,
  principal: Principal,
  input: { currentPassword: string; newPassword: string },
): Promise<Result<{ endedSessions: number }, ChangePasswordError>> {
  const session = sessionOf(principal);
  if (!session.ok) return session;
  const { userId, sessionId } = session.value;
  const { maxAttemptsPerAccount, windowSeconds } = deps.loginLimits;
  const found = await deps.database.system(async (tx) => {
    const user = await findUserById(tx, userId);
    if (!user) return undefined;
    // The login throttle's own key: a guess here and a guess at the login form take from one budget.
    const accountKey = `login:account:${user.email}`;
    const reservation = await reserveThrottledAttempt(tx, { key: accountKey, now: deps.clock.now(), windowSeconds, maxAttempts: maxAttemptsPerAccount });
    return { user, accountKey, reservation };
  });
  if (!found) return fail('not_found', 'User not found');
  const { user, accountKey, reservation } = found;
  if (!reservation.isAllowed) return fail('too_many_attempts', 'Too many wrong passwords; try again later', { retryAfterSeconds: reservation.retryAfterSeconds });
  if (!(await deps.passwords.verify(user.passwordHash, input.currentPassword))) return fail('current_password_incorrect', 'The current password is not correct');
  // The attempt was the right password: it does not count against the account.
  await deps.database.system((tx) => releaseThrottledAttempt(tx, accountKey));
  if (input.newPassword === input.currentPassword) return fail('password_unchanged', 'The new password is the current one');
  const problem = findPasswordProblem({ email: user.email, password: input.newPassword });
  if (problem) return fail(problem, PASSWORD_PROBLEM_MESSAGES[problem]);
  const passwordHash = await deps.passwords.hash(input.newPassword);
  const endedSessions = await deps.database.system(async (tx) => {
    const now = deps.clock.now();
    await updateUserPasswordHash(tx, userId, passwordHash, now);
    await clearThrottle(tx, accountKey);
    return revokeUserSessionsExcept(tx, userId, sessionId, now);
  });
  return succeed({ endedSessions });
}
