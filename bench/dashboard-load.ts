/**
 * `npm run bench:dashboard` — how heavy and how fast the dashboard's first load is, in headless
 * Chromium against `npm start` (PGlite in a temp dir, the sandbox, dashboard built by prestart).
 *
 * Prints the gzipped JavaScript the first load transfers (budget 300 KB), and over BENCH_RUNS (5)
 * cold loads (a fresh browser profile each, no cache) the median and worst time from navigation to
 * the rendered login page, and from submitting the login to the rendered System view (budget 1 s).
 * Needs Debian's Chromium (`npm run setup:browser`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { REPO_ROOT } from '../src/main/wire.js';
import { DEMO_ACCOUNTS } from '../src/modules/tenants/index.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const root = mkdtempSync(join(tmpdir(), 'sb-bench-dashboard-'));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const service = spawn('npm', ['start'], {
  cwd: REPO_ROOT,
  env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: String(port), SANDBOX_PORT: String(await freePort()), PGLITE_DATA_DIR: join(root, 'pglite') },
  stdio: 'ignore',
  detached: true,
});
const stop = () => {
  try {
    if (service.pid) process.kill(-service.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};
try {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const isUp = await fetch(`${base}/api/status`).then((response) => response.ok).catch(() => false);
    if (isUp) break;
    if (Date.now() > deadline) throw new Error('npm start did not come up');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await fetch(`${base}/api/auth/demo-session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

  const firstRenderMs: number[] = [];
  const loginToViewMs: number[] = [];
  let javascriptGzipBytes = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const profile = mkdtempSync(join(tmpdir(), 'sb-bench-chromium-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    let bytes = 0;
    page.on('response', (response) => {
      if (response.url().endsWith('.js')) bytes += Number(response.headers()['content-length'] ?? 0);
    });
    const started = performance.now();
    await page.goto(`${base}/dashboard/`);
    await page.getByRole('button', { name: 'Log in', exact: true }).waitFor();
    firstRenderMs.push(performance.now() - started);
    javascriptGzipBytes = bytes;
    await page.getByLabel('Email').fill(DEMO_ACCOUNTS.adminEmail);
    await page.getByLabel('Password').fill(DEMO_ACCOUNTS.password);
    const submitted = performance.now();
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.locator('.stat', { hasText: 'Dead letters' }).waitFor();
    loginToViewMs.push(performance.now() - submitted);
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  process.stdout.write(
    [
      `Dashboard first load over loopback, ${RUNS} cold runs (fresh profile each), headless Chromium:`,
      `  JavaScript transferred (gzip): ${(javascriptGzipBytes / 1024).toFixed(1)} KB (budget 300 KB)`,
      `  navigation → login page rendered: median ${ms(median(firstRenderMs))}, worst ${ms(Math.max(...firstRenderMs))} (budget 1 s)`,
      `  login → System view rendered with live data: median ${ms(median(loginToViewMs))}, worst ${ms(Math.max(...loginToViewMs))}`,
      '',
    ].join('\n'),
  );
} finally {
  stop();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  rmSync(root, { recursive: true, force: true });
}
