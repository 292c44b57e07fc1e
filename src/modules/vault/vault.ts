import type { KeyRing } from '../../platform/crypto/index.js';
import type { Database, Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import type { Clock } from '../../platform/clock/clock.js';
import { countSecretsByKey, deleteSecret, findSecret, insertSecret, lockSecretsNotUnderKey, updateSecretCiphertext } from './vault.repo.js';

export interface VaultDeps {
  keyRing: KeyRing;
  generateId: IdGenerator;
  clock: Clock;
}

/** A stored secret's plaintext is only ever held in memory by the caller that asked for it. */
export interface Vault {
  storeSecret(tx: Executor, input: { companyId: string; purpose: string; plaintext: string }): Promise<string>;
  readSecret(tx: Executor, secretId: string): Promise<string | undefined>;
  replaceSecret(tx: Executor, secretId: string, plaintext: string): Promise<void>;
  deleteSecret(tx: Executor, secretId: string): Promise<boolean>;
}

export function createVault(deps: VaultDeps): Vault {
  // The row id is the associated data: a ciphertext copied onto another row will not decrypt.
  return {
    async storeSecret(tx, input) {
      const id = deps.generateId('sec');
      const now = deps.clock.now();
      await insertSecret(tx, {
        id,
        companyId: input.companyId,
        purpose: input.purpose,
        keyId: deps.keyRing.activeKeyId,
        ciphertext: deps.keyRing.encrypt(input.plaintext, id),
        createdAt: now,
        updatedAt: now,
      });
      return id;
    },
    async readSecret(tx, secretId) {
      const row = await findSecret(tx, secretId);
      return row ? deps.keyRing.decrypt(row.ciphertext, row.id) : undefined;
    },
    async replaceSecret(tx, secretId, plaintext) {
      await updateSecretCiphertext(tx, secretId, deps.keyRing.activeKeyId, deps.keyRing.encrypt(plaintext, secretId), deps.clock.now());
    },
    deleteSecret: (tx, secretId) => deleteSecret(tx, secretId),
  };
}

export interface RotationReport {
  reencrypted: number;
  activeKeyId: string;
  secretsByKey: Record<string, number>;
}

/** Re-encrypts every secret under the active key, in batches, each batch in its own transaction. */
export async function rotateVaultKeys(database: Database, deps: VaultDeps, batchSize = 200): Promise<RotationReport> {
  let reencrypted = 0;
  for (;;) {
    const count = await database.system(async (tx) => {
      const rows = await lockSecretsNotUnderKey(tx, deps.keyRing.activeKeyId, batchSize);
      const now = deps.clock.now();
      for (const row of rows) {
        const plaintext = deps.keyRing.decrypt(row.ciphertext, row.id);
        await updateSecretCiphertext(tx, row.id, deps.keyRing.activeKeyId, deps.keyRing.encrypt(plaintext, row.id), now);
      }
      return rows.length;
    });
    reencrypted += count;
    if (count < batchSize) break;
  }
  const secretsByKey = await database.system((tx) => countSecretsByKey(tx));
  return { reencrypted, activeKeyId: deps.keyRing.activeKeyId, secretsByKey };
}
