import { fail, succeed, type Result } from '../../platform/result/index.js';
import { sha256Hex } from '../../platform/crypto/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import {
  findUsableInviteForUpdate,
  findUserByEmail,
  incrementInviteUse,
  insertCompany,
  insertUser,
  isLocationRole,
  listMembershipsOfUser,
  reserveThrottledAttempt,
  upsertMembership,
} from './tenants.repo.js';
import { findPasswordProblem, PASSWORD_PROBLEM_MESSAGES, type PasswordProblem } from './password-policy.js';
import { normalizeEmail, toUserView, type UserView } from './user-view.js';
import { parseSecretCode } from './secret-codes.js';
import { startUserSession } from './user-sessions.js';

export type RegisterAccountInput =
  | { email: string; password: string; name: string; companyName: string }
  | { email: string; password: string; name: string; inviteCode: string };

export type RegisterAccountError = 'email_taken' | 'invite_invalid' | 'invite_email_mismatch' | 'too_many_attempts' | PasswordProblem;

export interface Session {
  user: UserView;
  token: string;
  expiresAt: Date;
}

/**
 * Creates an agency with its first admin, or joins an existing agency/location through an invite.
 * Every attempt counts against the caller's IP first: sign-ups cost an argon2 hash and say whether an
 * email is taken, so both are rationed.
 */
export async function registerAccount(deps: TenantsDeps, input: RegisterAccountInput & { ip: string; userAgent?: string | undefined }): Promise<Result<Session, RegisterAccountError>> {
  const email = normalizeEmail(input.email);
  const now = deps.clock.now();
  const { maxAttemptsPerIp, windowSeconds } = deps.registerLimits;
  const reservation = await deps.database.system((tx) => reserveThrottledAttempt(tx, { key: `register:ip:${input.ip}`, now, windowSeconds, maxAttempts: maxAttemptsPerIp }));
  if (!reservation.isAllowed) {
    return fail('too_many_attempts', 'Too many sign-ups from this address; try again later', { retryAfterSeconds: reservation.retryAfterSeconds });
  }
  const problem = findPasswordProblem({ email, password: input.password });
  if (problem) return fail(problem, PASSWORD_PROBLEM_MESSAGES[problem]);
  const passwordHash = await deps.passwords.hash(input.password);
  const outcome = await deps.database.system(async (tx): Promise<Result<UserView, RegisterAccountError>> => {
    if (await findUserByEmail(tx, email)) return fail('email_taken', 'An account with this email already exists');
    if ('companyName' in input) {
      const company = await insertCompany(tx, { id: deps.generateId('co'), name: input.companyName.trim(), createdAt: now, updatedAt: now });
      const user = await insertUser(tx, { id: deps.generateId('usr'), companyId: company.id, email, name: input.name.trim(), passwordHash, role: 'agency_admin', createdAt: now, updatedAt: now });
      return succeed(toUserView(user, []));
    }
    const parsed = parseSecretCode(input.inviteCode, 'inv');
    const invite = parsed ? await findUsableInviteForUpdate(tx, parsed.prefix, now) : undefined;
    if (!parsed || !invite || invite.codeHash !== sha256Hex(input.inviteCode)) {
      return fail('invite_invalid', 'The invite code is unknown, expired, revoked or used up');
    }
    if (invite.email && normalizeEmail(invite.email) !== email) {
      return fail('invite_email_mismatch', 'This invite is for another email address');
    }
    const companyRole = invite.locationId ? 'member' : invite.role;
    const user = await insertUser(tx, { id: deps.generateId('usr'), companyId: invite.companyId, email, name: input.name.trim(), passwordHash, role: companyRole, createdAt: now, updatedAt: now });
    if (invite.locationId && isLocationRole(invite.role)) {
      await upsertMembership(tx, { companyId: invite.companyId, locationId: invite.locationId, userId: user.id, role: invite.role });
    }
    await incrementInviteUse(tx, invite.id);
    return succeed(toUserView(user, await listMembershipsOfUser(tx, user.id)));
  });
  if (!outcome.ok) return outcome;
  const session = await startUserSession(deps, { id: outcome.value.id, companyId: outcome.value.companyId }, { ip: input.ip, userAgent: input.userAgent });
  return succeed({ user: outcome.value, ...session });
}
