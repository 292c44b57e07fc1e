import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/main/wire.js';
import { startProviderFakes } from '../src/sandbox/providers/index.js';
import { findFreePort, waitFor } from './support/spawn-service.js';

const root = mkdtempSync(join(tmpdir(), 'sb-notify-crash-'));
const started: ChildProcess[] = [];
afterAll(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

function startService(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/notifications-crash-service.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

interface DeliveryRow {
  id: string;
  companyId: string;
  status: string;
  attempts: number;
  reason: string | null;
  provider: string | null;
  providerMessageId: string | null;
  inFlightAttempt: number;
}

describe('a crash between the provider call and the log write', () => {
  it('sends no message twice: Resend gets the same Idempotency-Key again and answers the first email; SMTP (no idempotency) is not resent and says so', async () => {
    const fakes = await startProviderFakes();
    // The fakes accept (and capture) at once but answer late: the worker dies inside that window.
    fakes.setResponseDelay(4000);
    const port = await findFreePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      PGLITE_DATA_DIR: join(root, 'pglite'),
      PORT: String(port),
      PUBLIC_URL: base,
      JOB_LEASE_SECONDS: '2',
      NOTIFY_SANDBOX: 'off',
      NOTIFY_EMAIL_PROVIDER: 'resend',
      NOTIFY_EMAIL_FROM: 'crash@switchboard.test',
      NOTIFY_RESEND_API_KEY: fakes.resendApiKey,
      NOTIFY_RESEND_BASE_URL: fakes.httpBaseUrl,
      CRASH_SMTP_HOST: fakes.smtp.host,
      CRASH_SMTP_PORT: String(fakes.smtp.port),
    };
    try {
      const bothCaptured = new Promise<void>((resolve) => {
        const stop = fakes.onCapture(() => {
          if (fakes.listCaptured().length >= 2) {
            stop();
            resolve();
          }
        });
      });
      const first = startService({ ...env, SEED: '1' });
      await Promise.race([bothCaptured, first.exited.then(() => Promise.reject(new Error(`the service exited: ${first.output()}`)))]);
      first.child.kill('SIGKILL');
      await first.exited;
      expect(fakes.listCaptured().map((message) => message.provider).sort()).toEqual(['resend', 'smtp']);

      fakes.setResponseDelay(0);
      const second = startService(env);
      const settled = await waitFor(async () => {
        const response = await fetch(`${base}/test/deliveries`);
        const rows = (await response.json()) as DeliveryRow[];
        return rows.length === 2 && rows.every((row) => row.status === 'sent' || row.status === 'failed') ? rows : undefined;
      }, 60_000, 'both deliveries to settle after the restart').catch(async (error: unknown) => {
        console.log(await (await fetch(`${base}/test/deliveries`)).text(), fakes.counts(), second.output());
        throw error;
      });
      second.child.kill('SIGTERM');
      await second.exited;

      const [resendRow, smtpRow] = settled;
      expect(resendRow).toMatchObject({ companyId: 'co_resend', provider: 'resend', status: 'sent', inFlightAttempt: 0 });
      expect(fakes.counts()['resend idempotent_replay']).toBe(1);
      const resendCaptured = fakes.listCaptured().filter((message) => message.deliveryId === resendRow!.id);
      expect(resendCaptured).toHaveLength(1);
      expect(resendCaptured[0]!.id).toContain(resendRow!.providerMessageId as string);

      expect(smtpRow).toMatchObject({ companyId: 'co_smtp', provider: 'smtp', status: 'failed', attempts: 1 });
      expect(smtpRow!.reason).toMatch(/^outcome_unknown: attempt 1 to smtp was interrupted/);
      expect(fakes.listCaptured().filter((message) => message.deliveryId === smtpRow!.id)).toHaveLength(1);
    } finally {
      await fakes.close();
    }
  }, 240_000);
});
