import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import type { ScheduledJob } from '../../platform/scheduler/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { deleteEndedUserSessions, insertUserSession, listLiveUserSessions, revokeUserSession, revokeUserSessionsExcept } from './user-sessions.repo.js';

/** Where a session was started, so its user can tell their sessions apart in the list. */
export interface SessionOrigin {
  userAgent: string | undefined;
  ip: string;
}

export interface UserSessionView {
  id: string;
  createdAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  /** The session the request itself was made with. */
  isCurrent: boolean;
}

const MAX_USER_AGENT_LENGTH = 200;
/** Ended sessions are kept this long (a revoked one is refused either way), then deleted. */
export const ENDED_SESSION_RETENTION_DAYS = 7;

/**
 * Records a session and signs its token: the row is what makes the token count (the authenticator
 * checks it on every request), and it expires with the token.
 */
export async function startUserSession(deps: TenantsDeps, user: { id: string; companyId: string | null }, origin: SessionOrigin): Promise<{ token: string; expiresAt: Date }> {
  const sessionId = deps.generateId('ses');
  // Taken before signing: the token's expiry (whole seconds from its iat) is then within a second of createdAt + TTL.
  const createdAt = deps.clock.now();
  const session = await deps.sessions.issue({ userId: user.id, sessionId });
  await deps.database.system((tx) =>
    insertUserSession(tx, {
      id: sessionId,
      userId: user.id,
      companyId: user.companyId,
      userAgent: origin.userAgent ? origin.userAgent.slice(0, MAX_USER_AGENT_LENGTH) : null,
      ip: origin.ip,
      createdAt,
      expiresAt: session.expiresAt,
    }),
  );
  return session;
}

/** The caller's user and session, or users_only for an API key (which has neither). */
export function sessionOf(principal: Principal): Result<{ userId: string; sessionId: string }, 'users_only'> {
  if (!principal.userId || !principal.sessionId) return fail('users_only', 'Sessions belong to logged-in users; an API key is revoked in its location instead');
  return succeed({ userId: principal.userId, sessionId: principal.sessionId });
}

/** Logout: the caller's own session ends now; its token (and any stream ticket of it) is refused from here on. */
export async function endCurrentSession(deps: TenantsDeps, principal: Principal): Promise<Result<void, 'users_only'>> {
  const session = sessionOf(principal);
  if (!session.ok) return session;
  await deps.database.system((tx) => revokeUserSession(tx, session.value.sessionId, session.value.userId, deps.clock.now()));
  return succeed(undefined);
}

export async function listUserSessions(deps: TenantsDeps, principal: Principal): Promise<Result<{ items: UserSessionView[] }, 'users_only'>> {
  const session = sessionOf(principal);
  if (!session.ok) return session;
  const rows = await deps.database.system((tx) => listLiveUserSessions(tx, session.value.userId, deps.clock.now()));
  return succeed({
    items: rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      userAgent: row.userAgent,
      ip: row.ip,
      isCurrent: row.id === session.value.sessionId,
    })),
  });
}

/** Ends one of the caller's own live sessions; anyone else's (or an ended one) is not_found. */
export async function endUserSession(deps: TenantsDeps, principal: Principal, sessionId: string): Promise<Result<void, 'users_only' | 'not_found'>> {
  const session = sessionOf(principal);
  if (!session.ok) return session;
  const isEnded = await deps.database.system((tx) => revokeUserSession(tx, sessionId, session.value.userId, deps.clock.now()));
  return isEnded ? succeed(undefined) : fail('not_found', 'No live session of yours has this id');
}

/** "Sign out other sessions": every live session of the caller but the one making the request. */
export async function endOtherSessions(deps: TenantsDeps, principal: Principal): Promise<Result<{ ended: number }, 'users_only'>> {
  const session = sessionOf(principal);
  if (!session.ok) return session;
  const ended = await deps.database.system((tx) => revokeUserSessionsExcept(tx, session.value.userId, session.value.sessionId, deps.clock.now()));
  return succeed({ ended });
}

export function purgeEndedSessionsJob(deps: Pick<TenantsDeps, 'database' | 'clock'>, cron: string): ScheduledJob {
  return {
    name: 'tenants.purge-ended-sessions',
    cron,
    run: async () => {
      const before = new Date(deps.clock.now().getTime() - ENDED_SESSION_RETENTION_DAYS * 86_400_000);
      const deleted = await deps.database.system((tx) => deleteEndedUserSessions(tx, before));
      return { deleted };
    },
  };
}
