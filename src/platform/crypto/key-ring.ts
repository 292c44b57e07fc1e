import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class MissingKeyError extends Error {
  constructor(readonly keyId: string) {
    super(`Cannot decrypt: vault key "${keyId}" is not configured (add it to VAULT_KEYS)`);
    this.name = 'MissingKeyError';
  }
}

export class CiphertextError extends Error {
  constructor(reason: string) {
    super(`Cannot decrypt: ${reason}`);
    this.name = 'CiphertextError';
  }
}

/**
 * AES-256-GCM with the key id inside each ciphertext (`v1.<keyId>.<iv>.<tag>.<data>`, base64url),
 * so old ciphertexts stay readable while new ones use the active key.
 */
export class KeyRing {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    keys: ReadonlyMap<string, Buffer>,
    readonly activeKeyId: string,
  ) {
    for (const [keyId, key] of keys) {
      if (key.length !== 32) throw new Error(`vault key "${keyId}" must be 32 bytes`);
      if (keyId.includes('.')) throw new Error(`vault key id "${keyId}" must not contain "."`);
    }
    if (!keys.has(activeKeyId)) throw new Error(`active vault key "${activeKeyId}" is not in the key ring`);
    this.keys = keys;
  }

  get keyIds(): string[] {
    return [...this.keys.keys()];
  }

  /** Additional authenticated data binds a ciphertext to its owner, so it cannot be moved to another row. */
  encrypt(plaintext: string, associatedData = ''): string {
    const key = this.keys.get(this.activeKeyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(associatedData, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT_VERSION, this.activeKeyId, iv.toString('base64url'), tag.toString('base64url'), data.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string, associatedData = ''): string {
    const parts = ciphertext.split('.');
    if (parts.length !== 5 || parts[0] !== FORMAT_VERSION) throw new CiphertextError('unknown ciphertext format');
    const [, keyId, iv, tag, data] = parts as [string, string, string, string, string];
    const key = this.keys.get(keyId);
    if (!key) throw new MissingKeyError(keyId);
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(associatedData, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new CiphertextError('authentication failed (wrong key, tampered data or wrong owner)');
    }
  }

  keyIdOf(ciphertext: string): string | undefined {
    const parts = ciphertext.split('.');
    return parts.length === 5 ? parts[1] : undefined;
  }
}

export function generateVaultKey(): string {
  return randomBytes(32).toString('base64');
}
