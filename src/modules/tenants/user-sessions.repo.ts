import { and, desc, eq, gt, isNull, lt, ne, or } from 'drizzle-orm';
import type { Executor } from '../../platform/db/index.js';
import { userSessions } from './tenants.tables.js';

export type UserSessionRow = typeof userSessions.$inferSelect;

export async function insertUserSession(tx: Executor, row: typeof userSessions.$inferInsert): Promise<void> {
  await tx.insert(userSessions).values(row);
}

/** True while the session exists, belongs to this user, is not revoked and has not expired. */
export async function isUserSessionLive(tx: Executor, sessionId: string, userId: string, now: Date): Promise<boolean> {
  const [row] = await tx
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(and(eq(userSessions.id, sessionId), eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)));
  return row !== undefined;
}

/** A user's live sessions, newest first. */
export async function listLiveUserSessions(tx: Executor, userId: string, now: Date): Promise<UserSessionRow[]> {
  return tx
    .select()
    .from(userSessions)
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)))
    .orderBy(desc(userSessions.createdAt), desc(userSessions.id));
}

/** Ends one live session of this user; answers whether there was one to end. */
export async function revokeUserSession(tx: Executor, sessionId: string, userId: string, now: Date): Promise<boolean> {
  const rows = await tx
    .update(userSessions)
    .set({ revokedAt: now })
    .where(and(eq(userSessions.id, sessionId), eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)))
    .returning({ id: userSessions.id });
  return rows.length > 0;
}

/** Ends every live session of this user except `keepSessionId` (none kept when undefined); answers how many. */
export async function revokeUserSessionsExcept(tx: Executor, userId: string, keepSessionId: string | undefined, now: Date): Promise<number> {
  const rows = await tx
    .update(userSessions)
    .set({ revokedAt: now })
    .where(
      and(
        eq(userSessions.userId, userId),
        isNull(userSessions.revokedAt),
        gt(userSessions.expiresAt, now),
        ...(keepSessionId === undefined ? [] : [ne(userSessions.id, keepSessionId)]),
      ),
    )
    .returning({ id: userSessions.id });
  return rows.length;
}

/** Deletes sessions that ended (expired or revoked) before `before`: nothing reads them after that. */
export async function deleteEndedUserSessions(tx: Executor, before: Date): Promise<number> {
  const rows = await tx
    .delete(userSessions)
    .where(or(lt(userSessions.expiresAt, before), lt(userSessions.revokedAt, before)))
    .returning({ id: userSessions.id });
  return rows.length;
}
