import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, spawnEntry, waitFor, waitForService } from './support/spawn-service.js';

const root = mkdtempSync(join(tmpdir(), 'sb-notify-start-'));
// Retries: a child killed by a timed-out test may still be writing its data dir for a moment.
afterAll(() => rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 }));

describe('npm start in sandbox mode', () => {
  it('starts the provider fakes, sends to them, and lists what they captured', async () => {
    const port = await findFreePort();
    const base = `http://127.0.0.1:${port}`;
    const service = spawnEntry('all.ts', {
      PGLITE_DATA_DIR: join(root, 'pglite'),
      PORT: String(port),
      HOST: '127.0.0.1',
      GHL_SANDBOX: 'off',
      // The point here is the fakes, not shutdown speed: a loaded CI machine once needed more than the
      // default 10 s to stop (exit 1 = the grace timer); the output is in the assertion if it happens again.
      SHUTDOWN_GRACE_MS: '60000',
      NOTIFY_SANDBOX_HTTP_PORT: String(await findFreePort()),
      NOTIFY_SANDBOX_SMTP_PORT: String(await findFreePort()),
    });
    try {
      await waitForService(service, async () => ((await fetch(`${base}/api/status`)).ok ? true : undefined), 240_000, 'the service');
      expect(service.output()).toContain('Notify:   provider fakes');
      const registered = await fetch(`${base}/api/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'sandbox-notify@example.test', password: 'long-enough-password-1', name: 'S', companyName: 'Sandbox Notify' }),
      });
      const { token } = (await registered.json()) as { token: string };
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const sent = await fetch(`${base}/api/notifications/send`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ event: 'sandbox.hello', recipients: [{ email: 'someone@example.com', phone: '+16502530099' }], data: { subject: 'Hello', message: 'From the sandbox' } }),
      });
      expect(sent.status).toBe(202);
      const captured = await waitFor(async () => {
        const response = await fetch(`${base}/api/notifications/sandbox/messages`, { headers });
        const messages = (await response.json()) as { channel: string; provider: string; to: string }[];
        return messages.length === 2 ? messages : undefined;
      }, 30_000, 'both messages in the sandbox inbox');
      expect(captured.map((message) => `${message.channel}:${message.provider}:${message.to}`).sort()).toEqual(['email:smtp:someone@example.com', 'sms:twilio:+16502530099']);
      service.process.kill('SIGTERM');
      const code = await service.exited;
      expect(code, service.output().slice(-3000)).toBe(0);
    } finally {
      service.process.kill('SIGKILL');
    }
  }, 420_000); // a PGlite cold start took over 60 s at load 17 on 2 cores (the flake loop of issue 11)
});
