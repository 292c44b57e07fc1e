import { bootstrap } from './bootstrap.js';
import { rotateVaultKeys } from '../modules/vault/index.js';
import { systemClock } from '../platform/clock/clock.js';
import { generateId } from '../platform/ids/ids.js';

// Add the new key to VAULT_KEYS (and VAULT_ACTIVE_KEY_ID) first; old keys stay listed until this reports 0 left under them.
const booted = await bootstrap('rotate-keys');
try {
  const report = await rotateVaultKeys(booted.database, { keyRing: booted.keyRing, generateId, clock: systemClock });
  process.stdout.write(`Re-encrypted ${report.reencrypted} secret(s) under key "${report.activeKeyId}".\nSecrets per key: ${JSON.stringify(report.secretsByKey)}\n`);
} finally {
  await booted.database.close();
}
