import { and, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.js';
import { ghlTokens } from '../ghl-tokens.tables.js';

export type TokenRow = typeof ghlTokens.$inferSelect;
export type TokenChanges = Partial<Omit<typeof ghlTokens.$inferInsert, 'id' | 'subjectKey' | 'refreshCount'>>;

/**
 * `lock`: 'update' to change the row; 'share' to read it together with its vault secrets as one
 * version — every writer locks the row before it replaces a secret, so under a share lock a refresh
 * cannot commit between the row and the secret reads (a new token with the old expiry).
 */
export async function findToken(tx: Executor, subjectKey: string, options: { lock?: 'update' | 'share' } = {}): Promise<TokenRow | undefined> {
  const query = tx.select().from(ghlTokens).where(eq(ghlTokens.subjectKey, subjectKey));
  const [row] = options.lock ? await query.for(options.lock) : await query;
  return row;
}

export async function findTokenByIdForUpdate(tx: Executor, id: string): Promise<TokenRow | undefined> {
  const [row] = await tx.select().from(ghlTokens).where(eq(ghlTokens.id, id)).for('update');
  return row;
}

export async function insertToken(tx: Executor, values: typeof ghlTokens.$inferInsert): Promise<void> {
  await tx.insert(ghlTokens).values(values);
}

export async function updateToken(tx: Executor, id: string, changes: TokenChanges): Promise<void> {
  await tx.update(ghlTokens).set(changes).where(eq(ghlTokens.id, id));
}

/** A refresh stored its result: new secrets and expiry, one more refresh counted. */
export async function recordTokenRefresh(tx: Executor, id: string, changes: TokenChanges): Promise<void> {
  await tx
    .update(ghlTokens)
    .set({ ...changes, refreshCount: sql`${ghlTokens.refreshCount} + 1` })
    .where(eq(ghlTokens.id, id));
}

/** Clears the refresh lease only if this lease still holds it. */
export async function releaseRefreshLease(tx: Executor, id: string, leaseId: string): Promise<void> {
  await tx
    .update(ghlTokens)
    .set({ refreshLeaseId: null, refreshLeaseUntil: null })
    .where(and(eq(ghlTokens.id, id), eq(ghlTokens.refreshLeaseId, leaseId)));
}

/** Subjects of active tokens whose access token expires before `horizon`. */
export async function listExpiringSubjects(tx: Executor, horizon: Date): Promise<string[]> {
  const rows = await tx.select({ subjectKey: ghlTokens.subjectKey }).from(ghlTokens).where(and(eq(ghlTokens.status, 'active'), lt(ghlTokens.accessExpiresAt, horizon)));
  return rows.map((row) => row.subjectKey);
}
