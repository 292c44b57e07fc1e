import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { KeyRing, MissingKeyError, generateVaultKey } from '../../platform/crypto/index.js';
import { queryRows, type Database } from '../../platform/db/index.js';
import { generateId } from '../../platform/ids/ids.js';
import { systemClock } from '../../platform/clock/clock.js';
import { createVault, rotateVaultKeys } from './index.js';

let database: Database;
const oldKey = Buffer.from(generateVaultKey(), 'base64');
const newKey = Buffer.from(generateVaultKey(), 'base64');

beforeAll(async () => {
  database = await createTestDatabase();
  await database.system((tx) => tx.execute(sql`insert into companies (id, name) values ('co_v', 'Vault Co'), ('co_w', 'Other Co')`));
});
afterAll(async () => database.close());

describe('vault', () => {
  it('stores only ciphertext, rotates every secret to a new key, and fails clearly without the old key', async () => {
    const oldRing = new KeyRing(new Map([['old', oldKey]]), 'old');
    const vault = createVault({ keyRing: oldRing, generateId, clock: systemClock });
    const ids = await database.system(async (tx) => {
      const stored: string[] = [];
      for (let index = 0; index < 250; index += 1) {
        stored.push(await vault.storeSecret(tx, { companyId: 'co_v', purpose: 'test.secret', plaintext: `plaintext-secret-${index}` }));
      }
      return stored;
    });
    const raw = await queryRows<{ ciphertext: string; keyId: string }>(database.db, sql`select ciphertext, key_id as "keyId" from vault_secrets`);
    expect(raw.every((row) => !row.ciphertext.includes('plaintext-secret') && row.keyId === 'old')).toBe(true);

    const rotatedRing = new KeyRing(new Map([['old', oldKey], ['new', newKey]]), 'new');
    const report = await rotateVaultKeys(database, { keyRing: rotatedRing, generateId, clock: systemClock }, 100);
    expect(report.reencrypted).toBe(250);
    expect(report.secretsByKey).toEqual({ new: 250 });

    const newOnly = createVault({ keyRing: new KeyRing(new Map([['new', newKey]]), 'new'), generateId, clock: systemClock });
    const first = ids[0] as string;
    expect(await database.system((tx) => newOnly.readSecret(tx, first))).toBe('plaintext-secret-0');

    const again = await rotateVaultKeys(database, { keyRing: rotatedRing, generateId, clock: systemClock });
    expect(again.reencrypted).toBe(0);

    const oldOnly = createVault({ keyRing: oldRing, generateId, clock: systemClock });
    await expect(database.system((tx) => oldOnly.readSecret(tx, first))).rejects.toThrow(MissingKeyError);
  });

  it('keeps secrets inside their tenant', async () => {
    const vault = createVault({ keyRing: new KeyRing(new Map([['k', newKey]]), 'k'), generateId, clock: systemClock });
    const secretId = await database.tenant({ companyId: 'co_v', locationIds: '*' }, (tx) => vault.storeSecret(tx, { companyId: 'co_v', purpose: 'x', plaintext: 'mine' }));
    expect(await database.tenant({ companyId: 'co_w', locationIds: '*' }, (tx) => vault.readSecret(tx, secretId))).toBeUndefined();
    expect(await database.tenant({ companyId: 'co_v', locationIds: '*' }, (tx) => vault.readSecret(tx, secretId))).toBe('mine');
  });
});
