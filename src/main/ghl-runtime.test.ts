import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../platform/log/index.js';
import { GhlRuntimeConflictError, resolveGhlRuntime, sandboxKeysPathOf, type GhlRuntime } from './ghl-runtime.js';

const root = mkdtempSync(join(tmpdir(), 'sb-ghl-runtime-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const logger = createLogger({ level: 'silent' });
const SANDBOX_ENV = { NODE_ENV: 'development', SANDBOX_PORT: '0', SANDBOX_LOCATIONS: '1', SANDBOX_CONTACTS: '1', SANDBOX_SEED: '42' };

async function resolveIn(dataRoot: string, env: Record<string, string> = {}): Promise<GhlRuntime> {
  const config = loadConfig({ ...SANDBOX_ENV, ...env });
  return resolveGhlRuntime(config, config.ghl, logger, 'http://127.0.0.1:9/api/webhooks/ghl', dataRoot);
}

async function publicKeysIn(dataRoot: string, env: Record<string, string> = {}) {
  const runtime = await resolveIn(dataRoot, env);
  try {
    expect(runtime.mode).toBe('sandbox');
    return runtime.webhookPublicKeys;
  } finally {
    await runtime.close();
  }
}

describe('the built-in sandbox in development', () => {
  it('signs with random keys generated once per data dir and kept there (not derived from SANDBOX_SEED)', async () => {
    const first = await publicKeysIn(join(root, 'a'));
    const path = sandboxKeysPathOf(join(root, 'a'));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await publicKeysIn(join(root, 'a'))).toEqual(first);
    // Same public seed, another data dir: other keys, so nobody can derive a dev instance's key.
    const other = await publicKeysIn(join(root, 'b'));
    expect(other?.ed25519Pem).not.toBe(first?.ed25519Pem);
    expect(other?.rsaPem).not.toBe(first?.rsaPem);
  });

  it('refuses to start when GHL_WEBHOOK_*_PUBLIC_KEY is set to a key other than the sandbox’s, naming it', async () => {
    const foreign = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const attempt = resolveIn(join(root, 'c'), { GHL_WEBHOOK_ED25519_PUBLIC_KEY: foreign });
    await expect(attempt).rejects.toBeInstanceOf(GhlRuntimeConflictError);
    await expect(attempt).rejects.toThrow(/GHL_WEBHOOK_ED25519_PUBLIC_KEY is set.*sandbox/);
    const foreignRsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await expect(resolveIn(join(root, 'c'), { GHL_WEBHOOK_ED25519_PUBLIC_KEY: foreign, GHL_WEBHOOK_RSA_PUBLIC_KEY: foreignRsa })).rejects.toThrow(
      /GHL_WEBHOOK_ED25519_PUBLIC_KEY and GHL_WEBHOOK_RSA_PUBLIC_KEY are set/,
    );
  });

  it('accepts an explicitly set key that is the sandbox’s own (one line with \\n escapes, as in .env)', async () => {
    const own = await publicKeysIn(join(root, 'd'));
    if (!own) throw new Error('no sandbox keys');
    const oneLine = own.ed25519Pem.trim().replace(/\n/g, '\\n');
    expect(await publicKeysIn(join(root, 'd'), { GHL_WEBHOOK_ED25519_PUBLIC_KEY: oneLine })).toEqual(own);
  });

  it('leaves explicit keys to GHL itself when GHL credentials are set (no sandbox)', async () => {
    const foreign = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const runtime = await resolveIn(join(root, 'e'), { GHL_CLIENT_ID: 'id', GHL_CLIENT_SECRET: 'secret', GHL_WEBHOOK_ED25519_PUBLIC_KEY: foreign });
    expect(runtime.mode).toBe('ghl');
    expect(runtime.webhookPublicKeys).toBeUndefined();
    await runtime.close();
  });
});
