import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/main/wire.js';
import { isDataDirLocked } from '../src/platform/db/index.js';
import { DEMO_ACCOUNTS } from '../src/modules/tenants/index.js';
import { findFreePort, spawnEntry, waitFor, waitForService } from './support/spawn-service.js';

const root = mkdtempSync(join(tmpdir(), 'sb-first-run-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('first run as the README says (npm start, then npm run seed beside it)', () => {
  it('serves the dashboard from npm start and seeds through the running service that holds the embedded database', async () => {
    const port = await findFreePort();
    const env = { PGLITE_DATA_DIR: join(root, 'pglite'), PORT: String(port), HOST: '127.0.0.1', SANDBOX_PORT: String(await findFreePort()) };
    const base = `http://127.0.0.1:${port}`;
    // `npm start` itself: its prestart builds the dashboard when the sources changed.
    const service = spawn('npm', ['start'], { cwd: REPO_ROOT, env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    service.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    service.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => service.once('exit', (code) => resolve(code)));
    const stop = (signal: NodeJS.Signals) => {
      try {
        if (service.pid) process.kill(-service.pid, signal);
      } catch {
        // already gone
      }
    };
    try {
      await waitForService({ process: service, output: () => output, exited }, async () => ((await fetch(`${base}/api/status`)).ok ? true : undefined), 120_000, 'npm start');
      expect(output).toContain(`Dashboard: ${base}/dashboard`);
      const page = await fetch(`${base}/dashboard/`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const script = /src="(\/dashboard\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script).toBeDefined();
      expect((await fetch(`${base}${script ?? ''}`)).status).toBe(200);
      expect((await fetch(`${base}/`, { redirect: 'manual' })).headers.get('location')).toBe('/dashboard/');

      const seed = spawnEntry('seed.ts', env);
      expect(await seed.exited).toBe(0);
      expect(seed.output()).toContain('Created the demo agency with two locations.');
      expect(seed.output()).toContain('through the running service');
      const login = await fetch(`${base}/api/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: DEMO_ACCOUNTS.adminEmail, password: DEMO_ACCOUNTS.password }) });
      expect(login.status).toBe(200);
      const again = spawnEntry('seed.ts', env);
      expect(await again.exited).toBe(0);
      expect(again.output()).toContain('already exists');
      stop('SIGTERM');
      await exited;
    } finally {
      stop('SIGKILL');
    }
    // npm exits before the service it started has closed the database: wait until the data dir's lock is free.
    await waitFor(async () => (isDataDirLocked(env.PGLITE_DATA_DIR) ? undefined : true), 60_000, 'the stopped service to release the embedded database');
    // Without the service, the seed opens the database itself.
    const alone = spawnEntry('seed.ts', env);
    expect(await alone.exited).toBe(0);
    expect(alone.output()).toContain('already exists');
    expect(alone.output()).not.toContain('through the running service');
    // npm start builds the dashboard first when its sources changed; on a busy 2-core machine that and the boot take a while.
  }, 240_000);
});
