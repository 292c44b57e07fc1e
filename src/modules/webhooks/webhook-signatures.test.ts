import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createGhlWebhookKeys, verifyGhlSignature } from './webhook-signatures.js';

/*
 * `x-ghl-signature` is checked by libsodium (the optional sodium-native) when it loads and by
 * node:crypto otherwise: both must give the same answer for every body and signature.
 */
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const ed25519Pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const sodiumKeys = createGhlWebhookKeys({ ed25519Pem });
const nodeKeys = createGhlWebhookKeys({ ed25519Pem, ed25519Library: 'node' });
const signed = (body: string) => sign(null, Buffer.from(body), privateKey).toString('base64');

describe('Ed25519 webhook signatures', () => {
  it('uses libsodium where sodium-native is installed, and node:crypto when told to', () => {
    expect(sodiumKeys.ed25519Library).toBe('sodium');
    expect(nodeKeys.ed25519Library).toBe('node');
  });

  it('gives the same answer with either library for valid, re-serialised, tampered, foreign and malformed signatures', async () => {
    const body = JSON.stringify({ type: 'ContactUpdate', locationId: 'loc_1', id: 'c_1', name: 'Grace Hopper', tags: ['a'] });
    const pretty = JSON.stringify(JSON.parse(body), null, 2);
    const foreign = sign(null, Buffer.from(body), generateKeyPairSync('ed25519').privateKey).toString('base64');
    const flipped = Buffer.from(signed(body), 'base64');
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    const cases: { name: string; body: string; signature: string; expected: { isValid: boolean; reason?: string } }[] = [
      { name: 'valid', body, signature: signed(body), expected: { isValid: true } },
      { name: 'pretty-printed copy of the signed body', body: pretty, signature: signed(body), expected: { isValid: true } },
      { name: 'tampered body', body: body.replace('Grace', 'Alan'), signature: signed(body), expected: { isValid: false, reason: 'x-ghl-signature does not match' } },
      { name: 'flipped signature bit', body, signature: flipped.toString('base64'), expected: { isValid: false, reason: 'x-ghl-signature does not match' } },
      { name: 'another key', body, signature: foreign, expected: { isValid: false, reason: 'x-ghl-signature does not match' } },
      { name: 'all-zero signature', body, signature: Buffer.alloc(64).toString('base64'), expected: { isValid: false, reason: 'x-ghl-signature does not match' } },
      { name: 'short signature', body, signature: Buffer.alloc(63, 7).toString('base64'), expected: { isValid: false, reason: 'malformed x-ghl-signature' } },
      { name: 'not base64', body, signature: '***', expected: { isValid: false, reason: 'malformed x-ghl-signature' } },
    ];
    for (const { name, body: sent, signature, expected } of cases) {
      for (const keys of [sodiumKeys, nodeKeys]) {
        const check = await verifyGhlSignature(keys, Buffer.from(sent), { 'x-ghl-signature': signature });
        expect({ case: name, library: keys.ed25519Library, ...check }, name).toMatchObject({ case: name, library: keys.ed25519Library, ...expected });
        if (check.isValid) expect(check.signedBody.toString()).toBe(body);
      }
    }
  });
});
