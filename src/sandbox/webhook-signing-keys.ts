import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { WebhookSigningKeys } from './sandbox.types.js';

/** A fresh random pair of webhook signing keys (PEM). */
export function generateWebhookSigningKeys(rsaModulusBits = 1024): WebhookSigningKeys {
  const pem = { format: 'pem', type: 'pkcs8' } as const;
  return {
    ed25519PrivateKeyPem: generateKeyPairSync('ed25519').privateKey.export(pem).toString(),
    rsaPrivateKeyPem: generateKeyPairSync('rsa', { modulusLength: rsaModulusBits }).privateKey.export(pem).toString(),
  };
}

/**
 * The signing keys kept in `path` (created with fresh random keys, readable by the owner only, on
 * first use), so an app configured with the sandbox's public keys keeps trusting it across restarts.
 */
export function loadOrCreateWebhookSigningKeys(path: string, rsaModulusBits = 1024): { keys: WebhookSigningKeys; isNew: boolean } {
  if (existsSync(path)) {
    const stored = JSON.parse(readFileSync(path, 'utf8')) as Partial<WebhookSigningKeys>;
    if (typeof stored.ed25519PrivateKeyPem !== 'string' || typeof stored.rsaPrivateKeyPem !== 'string') {
      throw new Error(`${path} does not hold sandbox webhook signing keys (ed25519PrivateKeyPem, rsaPrivateKeyPem); delete it to generate new ones`);
    }
    return { keys: { ed25519PrivateKeyPem: stored.ed25519PrivateKeyPem, rsaPrivateKeyPem: stored.rsaPrivateKeyPem }, isNew: false };
  }
  const keys = generateWebhookSigningKeys(rsaModulusBits);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(keys, null, 2), { mode: 0o600, flag: 'wx' });
  return { keys, isNew: true };
}
