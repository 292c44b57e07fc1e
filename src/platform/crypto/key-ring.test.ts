import { describe, expect, it } from 'vitest';
import { CiphertextError, KeyRing, MissingKeyError, generateVaultKey } from './index.js';

const key = () => Buffer.from(generateVaultKey(), 'base64');

describe('KeyRing', () => {
  it('round-trips and names its key in the ciphertext', () => {
    const ring = new KeyRing(new Map([['k1', key()]]), 'k1');
    const ciphertext = ring.encrypt('ghl-refresh-token-123', 'sec_1');
    expect(ciphertext).not.toContain('ghl-refresh-token-123');
    expect(ring.keyIdOf(ciphertext)).toBe('k1');
    expect(ring.decrypt(ciphertext, 'sec_1')).toBe('ghl-refresh-token-123');
  });

  it('uses a fresh IV each time', () => {
    const ring = new KeyRing(new Map([['k1', key()]]), 'k1');
    expect(ring.encrypt('same')).not.toBe(ring.encrypt('same'));
  });

  it('fails clearly when the key is missing', () => {
    const old = new KeyRing(new Map([['k1', key()]]), 'k1');
    const ciphertext = old.encrypt('secret');
    const fresh = new KeyRing(new Map([['k2', key()]]), 'k2');
    expect(() => fresh.decrypt(ciphertext)).toThrow(MissingKeyError);
    expect(() => fresh.decrypt(ciphertext)).toThrow(/"k1" is not configured/);
  });

  it('rejects tampering and a ciphertext moved to another owner', () => {
    const ring = new KeyRing(new Map([['k1', key()]]), 'k1');
    const ciphertext = ring.encrypt('secret', 'sec_1');
    expect(() => ring.decrypt(ciphertext, 'sec_2')).toThrow(CiphertextError);
    const parts = ciphertext.split('.');
    parts[4] = Buffer.from('tampered').toString('base64url');
    expect(() => ring.decrypt(parts.join('.'), 'sec_1')).toThrow(CiphertextError);
    expect(() => ring.decrypt('garbage')).toThrow(CiphertextError);
  });
});
