import { and, asc, desc, eq, gt, inArray, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/index.js';
import type { LocationRole, UserRole } from '../../platform/http/index.js';
import { apiKeys, authThrottle, companies, invites, locationMemberships, locations, users } from './tenants.tables.js';

export type CompanyRow = typeof companies.$inferSelect;
export type LocationRow = typeof locations.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type InviteRow = typeof invites.$inferSelect;
export type MembershipRow = typeof locationMemberships.$inferSelect;

export async function insertCompany(tx: Executor, row: typeof companies.$inferInsert): Promise<CompanyRow> {
  const [inserted] = await tx.insert(companies).values(row).returning();
  return inserted as CompanyRow;
}

export async function findCompany(tx: Executor, companyId: string): Promise<CompanyRow | undefined> {
  const [row] = await tx.select().from(companies).where(eq(companies.id, companyId));
  return row;
}

export async function insertLocation(tx: Executor, row: typeof locations.$inferInsert): Promise<LocationRow> {
  const [inserted] = await tx.insert(locations).values(row).returning();
  return inserted as LocationRow;
}

export async function listLocations(tx: Executor, page: { limit: number; offset: number }): Promise<{ rows: LocationRow[]; total: number }> {
  const rows = await tx.select().from(locations).orderBy(asc(locations.name), asc(locations.id)).limit(page.limit).offset(page.offset);
  const [count] = await tx.select({ total: sql<number>`count(*)::int` }).from(locations);
  return { rows, total: count?.total ?? 0 };
}

export async function findLocation(tx: Executor, locationId: string): Promise<LocationRow | undefined> {
  const [row] = await tx.select().from(locations).where(eq(locations.id, locationId));
  return row;
}

export async function updateLocation(
  tx: Executor,
  locationId: string,
  changes: { name?: string; timezone?: string | null },
  now: Date,
): Promise<LocationRow | undefined> {
  const [row] = await tx
    .update(locations)
    .set({ ...changes, updatedAt: now })
    .where(eq(locations.id, locationId))
    .returning();
  return row;
}

export async function insertUser(tx: Executor, row: typeof users.$inferInsert): Promise<UserRow> {
  const [inserted] = await tx.insert(users).values(row).returning();
  return inserted as UserRow;
}

export async function findUserByEmail(tx: Executor, email: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.email, email));
  return row;
}

export async function findUserById(tx: Executor, userId: string): Promise<UserRow | undefined> {
  const [row] = await tx.select().from(users).where(eq(users.id, userId));
  return row;
}

export async function updateUserPasswordHash(tx: Executor, userId: string, passwordHash: string, now: Date): Promise<void> {
  await tx.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, userId));
}

export async function listUsers(tx: Executor, page: { limit: number; offset: number }): Promise<{ rows: UserRow[]; total: number }> {
  const rows = await tx.select().from(users).orderBy(asc(users.email)).limit(page.limit).offset(page.offset);
  const [count] = await tx.select({ total: sql<number>`count(*)::int` }).from(users);
  return { rows, total: count?.total ?? 0 };
}

export async function listMembershipsOfUser(tx: Executor, userId: string): Promise<MembershipRow[]> {
  return tx.select().from(locationMemberships).where(eq(locationMemberships.userId, userId));
}

export async function listMembershipsOfUsers(tx: Executor, userIds: readonly string[]): Promise<MembershipRow[]> {
  if (userIds.length === 0) return [];
  return tx.select().from(locationMemberships).where(inArray(locationMemberships.userId, [...userIds]));
}

export async function upsertMembership(
  tx: Executor,
  row: { companyId: string; locationId: string; userId: string; role: LocationRole },
): Promise<void> {
  await tx
    .insert(locationMemberships)
    .values(row)
    .onConflictDoUpdate({ target: [locationMemberships.locationId, locationMemberships.userId], set: { role: row.role } });
}

export async function insertApiKey(tx: Executor, row: typeof apiKeys.$inferInsert): Promise<ApiKeyRow> {
  const [inserted] = await tx.insert(apiKeys).values(row).returning();
  return inserted as ApiKeyRow;
}

export async function findActiveApiKeyByPrefix(tx: Executor, prefix: string): Promise<ApiKeyRow | undefined> {
  const [row] = await tx
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.prefix, prefix), isNull(apiKeys.revokedAt)));
  return row;
}

export async function markApiKeyUsed(tx: Executor, apiKeyId: string, now: Date): Promise<void> {
  // Once a minute is enough for "last used" and keeps hot API-key traffic from rewriting the row.
  await tx
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, apiKeyId), sql`(${apiKeys.lastUsedAt} is null or ${apiKeys.lastUsedAt} < ${now.toISOString()}::timestamptz - interval '1 minute')`));
}

export async function findApiKey(tx: Executor, apiKeyId: string): Promise<ApiKeyRow | undefined> {
  const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.id, apiKeyId));
  return row;
}

export async function listApiKeys(tx: Executor): Promise<ApiKeyRow[]> {
  return tx.select().from(apiKeys).orderBy(desc(apiKeys.createdAt));
}

export async function revokeApiKey(tx: Executor, apiKeyId: string, now: Date): Promise<ApiKeyRow | undefined> {
  const [row] = await tx
    .update(apiKeys)
    .set({ revokedAt: sql`coalesce(${apiKeys.revokedAt}, ${now.toISOString()}::timestamptz)` })
    .where(eq(apiKeys.id, apiKeyId))
    .returning();
  return row;
}

export async function insertInvite(tx: Executor, row: typeof invites.$inferInsert): Promise<InviteRow> {
  const [inserted] = await tx.insert(invites).values(row).returning();
  return inserted as InviteRow;
}

/** Locks the invite row so two people cannot use its last seat at once. */
export async function findUsableInviteForUpdate(tx: Executor, codePrefix: string, now: Date): Promise<InviteRow | undefined> {
  const [row] = await tx
    .select()
    .from(invites)
    .where(and(eq(invites.codePrefix, codePrefix), isNull(invites.revokedAt), gt(invites.expiresAt, now), sql`${invites.useCount} < ${invites.maxUses}`))
    .for('update');
  return row;
}

export async function incrementInviteUse(tx: Executor, inviteId: string): Promise<void> {
  await tx
    .update(invites)
    .set({ useCount: sql`${invites.useCount} + 1` })
    .where(eq(invites.id, inviteId));
}

export async function listInvites(tx: Executor): Promise<InviteRow[]> {
  return tx.select().from(invites).orderBy(desc(invites.createdAt));
}

export async function findInvite(tx: Executor, inviteId: string): Promise<InviteRow | undefined> {
  const [row] = await tx.select().from(invites).where(eq(invites.id, inviteId));
  return row;
}

export async function revokeInvite(tx: Executor, inviteId: string, now: Date): Promise<InviteRow | undefined> {
  const [row] = await tx
    .update(invites)
    .set({ revokedAt: sql`coalesce(${invites.revokedAt}, ${now.toISOString()}::timestamptz)` })
    .where(eq(invites.id, inviteId))
    .returning();
  return row;
}

export type ThrottleReservation = { isAllowed: true } | { isAllowed: false; retryAfterSeconds: number };

/**
 * Takes one attempt of `maxAttempts` in a fixed window per key, in one statement: the upsert counts
 * the attempt only while the window has room (or has ended), so concurrent callers on any instance
 * can never take more than the limit. Refused: how long until the window ends.
 */
export async function reserveThrottledAttempt(
  tx: Executor,
  input: { key: string; now: Date; windowSeconds: number; maxAttempts: number },
): Promise<ThrottleReservation> {
  const nowIso = input.now.toISOString();
  const hasWindowEnded = sql`${authThrottle.windowStartedAt} <= ${nowIso}::timestamptz - make_interval(secs => ${input.windowSeconds})`;
  const [taken] = await tx
    .insert(authThrottle)
    .values({ key: input.key, windowStartedAt: input.now, attempts: 1 })
    .onConflictDoUpdate({
      target: authThrottle.key,
      set: {
        attempts: sql`case when ${hasWindowEnded} then 1 else ${authThrottle.attempts} + 1 end`,
        windowStartedAt: sql`case when ${hasWindowEnded} then ${nowIso}::timestamptz else ${authThrottle.windowStartedAt} end`,
      },
      setWhere: sql`${hasWindowEnded} or ${authThrottle.attempts} < ${input.maxAttempts}`,
    })
    .returning({ key: authThrottle.key });
  if (taken) return { isAllowed: true };
  const [full] = await tx.select({ windowStartedAt: authThrottle.windowStartedAt }).from(authThrottle).where(eq(authThrottle.key, input.key));
  const windowEndsAtMs = (full?.windowStartedAt.getTime() ?? input.now.getTime()) + input.windowSeconds * 1000;
  return { isAllowed: false, retryAfterSeconds: Math.max(1, Math.ceil((windowEndsAtMs - input.now.getTime()) / 1000)) };
}

/** Gives back one attempt taken by reserveThrottledAttempt (it turned out not to count). */
export async function releaseThrottledAttempt(tx: Executor, key: string): Promise<void> {
  await tx
    .update(authThrottle)
    .set({ attempts: sql`greatest(${authThrottle.attempts} - 1, 0)` })
    .where(eq(authThrottle.key, key));
}

export async function clearThrottle(tx: Executor, key: string): Promise<void> {
  await tx.delete(authThrottle).where(eq(authThrottle.key, key));
}

export function isUserRole(value: string): value is UserRole {
  return value === 'platform_admin' || value === 'agency_admin' || value === 'member';
}

export function isLocationRole(value: string): value is LocationRole {
  return value === 'location_admin' || value === 'location_member';
}
