import { and, eq, ne, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/index.js';
import { vaultSecrets } from './vault.tables.js';

export type VaultSecretRow = typeof vaultSecrets.$inferSelect;

export async function insertSecret(tx: Executor, row: typeof vaultSecrets.$inferInsert): Promise<void> {
  await tx.insert(vaultSecrets).values(row);
}

export async function findSecret(tx: Executor, secretId: string): Promise<VaultSecretRow | undefined> {
  const [row] = await tx.select().from(vaultSecrets).where(eq(vaultSecrets.id, secretId));
  return row;
}

export async function updateSecretCiphertext(tx: Executor, secretId: string, keyId: string, ciphertext: string, now: Date): Promise<void> {
  await tx.update(vaultSecrets).set({ keyId, ciphertext, updatedAt: now }).where(eq(vaultSecrets.id, secretId));
}

export async function deleteSecret(tx: Executor, secretId: string): Promise<boolean> {
  const rows = await tx.delete(vaultSecrets).where(eq(vaultSecrets.id, secretId)).returning({ id: vaultSecrets.id });
  return rows.length > 0;
}

/** A batch of secrets not yet under the active key, locked so concurrent rotations skip each other's rows. */
export async function lockSecretsNotUnderKey(tx: Executor, activeKeyId: string, limit: number): Promise<VaultSecretRow[]> {
  return tx.select().from(vaultSecrets).where(ne(vaultSecrets.keyId, activeKeyId)).orderBy(vaultSecrets.id).limit(limit).for('update', { skipLocked: true });
}

export async function countSecretsByKey(tx: Executor): Promise<Record<string, number>> {
  const rows = await tx.select({ keyId: vaultSecrets.keyId, total: sql<number>`count(*)::int` }).from(vaultSecrets).groupBy(vaultSecrets.keyId);
  return Object.fromEntries(rows.map((row) => [row.keyId, row.total]));
}

export async function countSecretsOfCompany(tx: Executor, companyId: string, purpose: string): Promise<number> {
  const [row] = await tx.select({ total: sql<number>`count(*)::int` }).from(vaultSecrets).where(and(eq(vaultSecrets.companyId, companyId), eq(vaultSecrets.purpose, purpose)));
  return row?.total ?? 0;
}
