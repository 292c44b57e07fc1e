import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, spawnEntry, waitForService } from './support/spawn-service.js';

const root = mkdtempSync(join(tmpdir(), 'sb-process-'));
// Retries: a child killed by a timed-out test may still be writing its data dir for a moment.
afterAll(() => rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 }));

describe('the service as a process (embedded PGlite)', () => {
  it('refuses a second process on the same data dir, keeps the first serving, and shuts down gracefully on SIGTERM', async () => {
    const port = await findFreePort();
    // No HOST: development listens on loopback by default.
    const env = { PGLITE_DATA_DIR: join(root, 'pglite'), PORT: String(port) };
    const first = spawnEntry('all.ts', env);
    try {
      await waitForService(first, async () => ((await fetch(`http://127.0.0.1:${port}/api/status`)).ok ? true : undefined), 150_000, 'first service');
      expect(first.output()).toContain(`/docs`);
      // Loopback only: the machine's other addresses refuse the connection.
      const external = Object.values(networkInterfaces()).flat().find((entry) => entry?.family === 'IPv4' && !entry.internal)?.address;
      if (external) await expect(fetch(`http://${external}:${port}/api/status`)).rejects.toThrow();
      const registered = await fetch(`http://127.0.0.1:${port}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'persist@example.test', password: 'long-enough-password', name: 'P', companyName: 'Persist Co' }),
      });
      expect(registered.status).toBe(201);

      const second = spawnEntry('all.ts', { ...env, PORT: String(await findFreePort()) });
      const code = await second.exited;
      expect(code).toBe(3);
      expect(second.output()).toMatch(/already in use by process \d+/);

      const stillUp = await fetch(`http://127.0.0.1:${port}/api/status`);
      expect(stillUp.status).toBe(200);

      first.process.kill('SIGTERM');
      expect(await first.exited).toBe(0);
    } finally {
      first.process.kill('SIGKILL');
    }

    // Data survives the restart, and the lock was released.
    const third = spawnEntry('all.ts', env);
    try {
      await waitForService(third, async () => ((await fetch(`http://127.0.0.1:${port}/api/status`)).ok ? true : undefined), 150_000, 'restarted service');
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'persist@example.test', password: 'long-enough-password' }),
      });
      expect(login.status).toBe(200);
      third.process.kill('SIGTERM');
      expect(await third.exited).toBe(0);
    } finally {
      third.process.kill('SIGKILL');
    }
  }, 420_000); // three PGlite cold starts (the second refused) and a graceful stop; measured over 60 s per start at load 17 on 2 cores

  it('refuses to start the built-in sandbox when an explicitly set webhook key is not its own, naming the conflict', async () => {
    const foreign = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString().replace(/\n/g, '\\n');
    const conflicting = spawnEntry('all.ts', { PGLITE_DATA_DIR: join(root, 'conflict', 'pglite'), PORT: String(await findFreePort()), SANDBOX_PORT: '0', GHL_WEBHOOK_ED25519_PUBLIC_KEY: foreign });
    try {
      expect(await conflicting.exited).toBe(2);
      expect(conflicting.output()).toMatch(/GHL_WEBHOOK_ED25519_PUBLIC_KEY is set, but .*built-in GHL sandbox/);
    } finally {
      conflicting.process.kill('SIGKILL');
    }
  }, 240_000); // it opens PGlite before it checks the key: over 60 s at load 17

  it('stops with one message listing every configuration problem', async () => {
    const bad = spawnEntry('all.ts', { NODE_ENV: 'production', PORT: 'nope', JWT_SECRET: 'short', PGLITE_DATA_DIR: join(root, 'unused') });
    expect(await bad.exited).toBe(2);
    const output = bad.output();
    expect(output).toContain('Invalid configuration');
    expect(output).toContain('PORT');
    expect(output).toContain('JWT_SECRET');
    expect(output).toContain('VAULT_KEYS');
  });
});
