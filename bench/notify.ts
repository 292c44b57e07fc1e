/**
 * `npm run bench:notify` — end-to-end notification deliveries: the real service (`src/main/all.ts`)
 * sends email through the official Resend SDK (or webhooks / SMTP, BENCH_CHANNEL) to the provider
 * fakes running in this process. Prints:
 *   1. saturation: deliveries/s for a backlog of BENCH_BACKLOG deliveries queued through the API;
 *   2. latency at a fixed offered rate (BENCH_RATE/s for BENCH_SECONDS): p50/p95/p99 enqueue → sent;
 *   3. SIGKILL: the service is killed mid-run at the offered rate, restarted, and every delivery is
 *      checked: messages the fakes received more than once (duplicates), and deliveries that ended
 *      `sent` vs failed as in doubt.
 *
 * Engine: PGlite in a temp dir by default; BENCH_DATABASE_URL (or DATABASE_URL) = a PostgreSQL server
 * on which a fresh database is created and dropped. Knobs: BENCH_BACKLOG (5000), BENCH_RATE (200),
 * BENCH_SECONDS (10), BENCH_BATCH (10 recipients per API call), BENCH_CONCURRENCY (32 jobs at once),
 * BENCH_KILL=0 skips the SIGKILL phase (so a profiled service, BENCH_NODE_ARGS, exits and writes its profile).
 * BENCH_SPLIT=1 (PostgreSQL only) runs the API (`src/main/api.ts`) and the job worker (`src/main/worker.ts`)
 * as two processes instead of `src/main/all.ts`; the CPU figures are then the sum of both, and the
 * SIGKILL phase kills both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from '../src/main/wire.js';
import { startProviderFakes } from '../src/sandbox/providers/index.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 5000);
const RATE = Number(process.env.BENCH_RATE ?? 200);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BATCH = Number(process.env.BENCH_BATCH ?? 10);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);
const CHANNEL = (process.env.BENCH_CHANNEL ?? 'resend') as 'resend' | 'smtp' | 'webhook';
const postgresUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
const IS_KILL_PHASE = process.env.BENCH_KILL !== '0';
const IS_SPLIT = process.env.BENCH_SPLIT === '1';
if (IS_SPLIT && !postgresUrl) throw new Error('BENCH_SPLIT=1 needs BENCH_DATABASE_URL (a separate worker cannot open the PGlite data dir)');

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc (Linux; NaN elsewhere). On a
 * machine shared with other work this is the figure that does not move with the load.
 */
function cpuSecondsOf(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return '?';
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'sb-bench-notify-'));
  let databaseName: string | undefined;
  let databaseUrl: string | undefined;
  if (postgresUrl) {
    databaseName = `sb_bench_notify_${process.pid}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${databaseName}`);
    await admin.query(`create database ${databaseName}`);
    await admin.end();
    const parsed = new URL(postgresUrl);
    parsed.pathname = `/${databaseName}`;
    databaseUrl = parsed.toString();
  }

  const fakes = await startProviderFakes();
  // Webhook channel: a receiver on this machine counting each webhook-id.
  const webhookHits = new Map<string, number>();
  const webhookAt = new Map<string, number>();
  const receiver: Server = createServer((request, response) => {
    const id = String(request.headers['webhook-id']);
    request.resume();
    request.on('end', () => {
      webhookHits.set(id, (webhookHits.get(id) ?? 0) + 1);
      if (!webhookAt.has(id)) webhookAt.set(id, Date.now());
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const capturedAt = new Map<string, number>();
  const capturedCount = new Map<string, number>();
  fakes.onCapture((message) => {
    if (!message.deliveryId) return;
    capturedCount.set(message.deliveryId, (capturedCount.get(message.deliveryId) ?? 0) + 1);
    if (!capturedAt.has(message.deliveryId)) capturedAt.set(message.deliveryId, Date.parse(message.capturedAt));
  });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    GHL_SANDBOX: 'off',
    NOTIFY_SANDBOX: 'off',
    NOTIFY_EMAIL_FROM: 'bench@switchboard.test',
    NOTIFY_EMAIL_PROVIDER: CHANNEL === 'smtp' ? 'smtp' : 'resend',
    NOTIFY_RESEND_API_KEY: fakes.resendApiKey,
    NOTIFY_RESEND_BASE_URL: fakes.httpBaseUrl,
    NOTIFY_SMTP_URL: `smtp://${fakes.smtp.host}:${fakes.smtp.port}`,
    OUTBOUND_URL_ALLOW_LIST: '127.0.0.1',
    JOB_WORKER_CONCURRENCY: String(CONCURRENCY),
    JOB_LEASE_SECONDS: '5',
    REGISTER_MAX_ATTEMPTS_PER_IP: '1000',
    DATABASE_URL: databaseUrl ?? '',
    DATABASE_POOL_MAX: String(CONCURRENCY + 8),
    PGLITE_DATA_DIR: join(root, 'pglite'),
  };

  /** The service's processes: all.ts, or api.ts and worker.ts (BENCH_SPLIT=1). */
  let services: ChildProcess[] = [];
  /** CPU seconds of each service process so far (all.ts; or api.ts, worker.ts). */
  const serviceCpu = () => services.map((child) => cpuSecondsOf(child.pid));
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  /** "1.23 ms per delivery" (split: "… (API 0.61 + worker 0.62)") from two serviceCpu() readings. */
  const cpuPerDelivery = (before: number[], after: number[], deliveries: number) => {
    const perProcess = after.map((value, index) => ((value - (before[index] ?? 0)) * 1000) / Math.max(1, deliveries));
    return `${sum(perProcess).toFixed(2)} ms per delivery${IS_SPLIT ? ` (API ${perProcess[0]?.toFixed(2)} + worker ${perProcess[1]?.toFixed(2)})` : ''}`;
  };
  const startService = async () => {
    // BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the service.
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((arg) => arg.length > 0);
    const spawnEntry = (entry: string) => spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, 'src/main', entry)], { cwd: REPO_ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    services = IS_SPLIT ? [spawnEntry('api.ts'), spawnEntry('worker.ts')] : [spawnEntry('all.ts')];
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        if ((await fetch(`${base}/api/health/ready`)).ok) return;
      } catch {
        // not up yet
      }
      const exited = services.find((child) => child.exitCode !== null);
      if (exited) throw new Error(`the service exited with ${exited.exitCode}`);
      if (Date.now() > deadline) throw new Error('the service did not start');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  };

  try {
    await startService();
    const registered = await fetch(`${base}/api/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'bench-notify@example.test', password: 'bench-password-123456', name: 'Bench', companyName: 'Bench Notify' }),
    });
    const { token } = (await registered.json()) as { token: string };
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    if (CHANNEL === 'webhook') {
      const created = await fetch(`${base}/api/notifications/webhook-endpoints`, { method: 'POST', headers, body: JSON.stringify({ url: receiverUrl }) });
      if (created.status !== 201) throw new Error(`endpoint: ${created.status} ${await created.text()}`);
    }

    /** Deliveries queued through the API, with the time their request started (enqueue time, conservatively early). */
    const enqueuedAt = new Map<string, number>();
    let sequence = 0;
    const sendBatch = async (count: number): Promise<string[]> => {
      const ids: string[] = [];
      const startedAt = Date.now();
      const recipients = CHANNEL === 'webhook' ? [] : Array.from({ length: count }, () => ({ email: `reader-${(sequence += 1)}@example.com` }));
      const events = CHANNEL === 'webhook' ? count : 1;
      for (let index = 0; index < events; index += 1) {
        const response = await fetch(`${base}/api/notifications/send`, { method: 'POST', headers, body: JSON.stringify({ event: 'bench.message', recipients, data: { subject: 'Bench', message: 'Hello from the benchmark' }, includeWebhooks: CHANNEL === 'webhook' }) });
        if (response.status !== 202) throw new Error(`send: ${response.status} ${await response.text()}`);
        const body = (await response.json()) as { deliveries: { id: string }[] };
        for (const delivery of body.deliveries) {
          enqueuedAt.set(delivery.id, startedAt);
          ids.push(delivery.id);
        }
      }
      return ids;
    };
    const doneAt = (deliveryId: string): number | undefined => {
      if (CHANNEL !== 'webhook') return capturedAt.get(deliveryId);
      return webhookAt.get(`msg_${deliveryId.slice(4)}`);
    };
    const waitUntilDone = async (ids: string[], timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (ids.some((id) => doneAt(id) === undefined)) {
        if (Date.now() > deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return true;
    };

    // Warm-up (connections, JIT).
    await sendBatch(BATCH);
    await waitUntilDone([...enqueuedAt.keys()], 30_000);

    // The service's own CPU with nothing to send (timers, pollers, metrics), over 3 s.
    const idleCpuStart = serviceCpu();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const idleCpuMsPerSecond = (sum(serviceCpu()) - sum(idleCpuStart)) * (1000 / 3);

    // 1. Saturation: the backlog is queued as fast as the API takes it while the runner sends.
    const backlogIds: string[] = [];
    const saturationStart = Date.now();
    const saturationCpuStart = serviceCpu();
    const loadBefore = loadAverage();
    const senders = Array.from({ length: 4 }, async () => {
      while (backlogIds.length < BACKLOG) backlogIds.push(...(await sendBatch(BATCH)));
    });
    await Promise.all(senders);
    const enqueueSeconds = (Date.now() - saturationStart) / 1000;
    const allDone = await waitUntilDone(backlogIds, 600_000);
    const lastDone = Math.max(...backlogIds.map((id) => doneAt(id) ?? 0));
    const saturationSeconds = (lastDone - saturationStart) / 1000;
    const saturationCpu = cpuPerDelivery(saturationCpuStart, serviceCpu(), backlogIds.length);

    // 2. Fixed offered rate.
    const latencyIds: string[] = [];
    const tickMs = (BATCH / RATE) * 1000;
    const rateStart = Date.now();
    const rateCpuStart = serviceCpu();
    const inFlight: Promise<void>[] = [];
    for (let tick = 0; Date.now() - rateStart < SECONDS * 1000; tick += 1) {
      const due = rateStart + tick * tickMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      inFlight.push(sendBatch(BATCH).then((ids) => void latencyIds.push(...ids)));
    }
    await Promise.all(inFlight);
    await waitUntilDone(latencyIds, 120_000);
    const latencies = latencyIds.map((id) => (doneAt(id) ?? Number.NaN) - (enqueuedAt.get(id) as number)).filter(Number.isFinite);
    const offeredActual = latencyIds.length / SECONDS;
    const rateCpu = cpuPerDelivery(rateCpuStart, serviceCpu(), latencyIds.length);
    const loadAfter = loadAverage();

    // 3. SIGKILL in the middle of a run at the offered rate.
    const killIds: string[] = [];
    const killStart = Date.now();
    let killed = false;
    const killRun: Promise<void>[] = [];
    for (let tick = 0; IS_KILL_PHASE && Date.now() - killStart < 4000; tick += 1) {
      const due = killStart + tick * tickMs;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (!killed && Date.now() - killStart > 2000) {
        killed = true;
        for (const child of services) child.kill('SIGKILL');
        break;
      }
      killRun.push(sendBatch(BATCH).then((ids) => void killIds.push(...ids)).catch(() => undefined));
    }
    await Promise.all(killRun);
    await new Promise((resolve) => setTimeout(resolve, 500));
    if (killed) await startService();
    // The jobs the dead process held come back after their lease (5 s) and run again.
    await waitUntilDone(killIds, 120_000);
    // The log settles once the jobs the dead process held ran again (their provider calls may have succeeded already).
    type Summary = { byChannel: { channel: string; status: string; total: number; retried: number }[] };
    let summary: Summary = { byChannel: [] };
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; ) {
      summary = (await (await fetch(`${base}/api/notifications/deliveries/summary?hours=1`, { headers })).json()) as Summary;
      if (!summary.byChannel.some((row) => row.status === 'queued' || row.status === 'sending')) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const duplicates = CHANNEL === 'webhook' ? [...webhookHits.values()].filter((count) => count > 1).length : [...capturedCount.values()].filter((count) => count > 1).length;
    const neverDone = [...enqueuedAt.keys()].filter((id) => doneAt(id) === undefined).length;

    const engine = postgresUrl ? 'PostgreSQL' : 'PGlite';
    const lines = [
      `notifications bench — ${engine}, ${IS_SPLIT ? 'API and worker as two processes' : 'one process (API + jobs)'}, channel ${CHANNEL === 'webhook' ? 'webhook (Standard Webhooks, guarded sender)' : CHANNEL === 'smtp' ? 'email via SMTP (nodemailer)' : 'email via Resend SDK'}, ${CONCURRENCY} jobs at once, ${cpus().length} cores`,
      `  saturation: ${backlogIds.length} deliveries in ${saturationSeconds.toFixed(2)} s = ${(backlogIds.length / saturationSeconds).toFixed(0)} deliveries/s${allDone ? '' : ' (NOT all done)'} (queued through the API in ${enqueueSeconds.toFixed(2)} s = ${(backlogIds.length / enqueueSeconds).toFixed(0)}/s); service CPU ${saturationCpu} (API + jobs)`,
      `  offered ${RATE}/s for ${SECONDS} s (actual ${offeredActual.toFixed(0)}/s): enqueue → sent p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms; service CPU ${rateCpu}`,
      `  idle service CPU (nothing to send): ${idleCpuMsPerSecond.toFixed(0)} ms per second`,
      `  load average (1, 5, 15 min): ${loadBefore} before the saturation phase, ${loadAfter} after the offered-rate phase`,
      `  SIGKILL mid-run: ${killIds.length} deliveries queued around the kill; messages received more than once: ${duplicates}; never sent: ${neverDone}`,
      `  delivery log (last hour): ${summary.byChannel.map((row) => `${row.channel}/${row.status} ${row.total}${row.retried ? ` (${row.retried} retried)` : ''}`).join(', ')}`,
      `  fakes: ${JSON.stringify(fakes.counts())}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const child of services) child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    for (const child of services) if (child.exitCode === null) child.kill('SIGKILL');
    await fakes.close();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
    rmSync(root, { recursive: true, force: true });
    if (databaseName && postgresUrl) {
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      await admin.query(`drop database if exists ${databaseName} with (force)`);
      await admin.end();
    }
  }
}

await main();
