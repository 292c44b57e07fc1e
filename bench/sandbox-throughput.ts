/**
 * Throughput of the GHL sandbox: API requests/s and signed webhook deliveries/s, loopback only,
 * bounded loops. The sandbox runs in this process; the load generator and the webhook receiver run
 * in a child process, so the figures are the sandbox's own. With --pin (Linux, taskset) the sandbox
 * is held to CPU 0 and the child to CPU 1: that is the "one core" figure.
 *
 *   npx tsx bench/sandbox-throughput.ts [--pin] [--requests 30000] [--concurrency 32] [--webhooks 20000]
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { authorizeApp, startSandbox } from '../src/sandbox/index.js';

const { values } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    pin: { type: 'boolean', default: false },
    requests: { type: 'string', default: '30000' },
    concurrency: { type: 'string', default: '32' },
    webhooks: { type: 'string', default: '20000' },
  },
});

interface ApiJob {
  kind: 'api';
  baseUrl: string;
  token: string;
  calls: { method: string; path: string; version: string; body?: string }[];
  total: number;
  concurrency: number;
}
type ParentMessage = ApiJob | { kind: 'receiver' } | { kind: 'count' } | { kind: 'stop' };
type ChildMessage = { kind: 'api-done'; seconds: number; statuses: Record<string, number> } | { kind: 'receiver-ready'; url: string } | { kind: 'count'; received: number };

function send(target: ChildProcess | NodeJS.Process, message: ParentMessage | ChildMessage): void {
  target.send?.(message);
}

// ---------- child: load generator and webhook receiver ----------

async function runApiLoad(job: ApiJob): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.concurrency });
  const statuses: Record<string, number> = {};
  let next = 0;
  const startedMs = performance.now();
  await Promise.all(
    Array.from({ length: job.concurrency }, async () => {
      while (next < job.total) {
        const call = job.calls[next++ % job.calls.length];
        if (!call) break;
        const url = new URL(`${job.baseUrl}${call.path}`);
        const status = await new Promise<number>((resolve, reject) => {
          const outgoing = http.request(
            { hostname: url.hostname, port: url.port, path: `${url.pathname}${url.search}`, method: call.method, agent, headers: { authorization: `Bearer ${job.token}`, version: call.version, 'content-type': 'application/json' } },
            (response) => {
              response.resume();
              response.on('end', () => resolve(response.statusCode ?? 0));
            },
          );
          outgoing.on('error', reject);
          outgoing.end(call.body);
        });
        statuses[status] = (statuses[status] ?? 0) + 1;
      }
    }),
  );
  agent.destroy();
  send(process, { kind: 'api-done', seconds: (performance.now() - startedMs) / 1000, statuses });
}

function runChild(): void {
  let received = 0;
  let receiver: http.Server | undefined;
  process.on('message', (message: ParentMessage) => {
    if (message.kind === 'api') void runApiLoad(message);
    if (message.kind === 'receiver') {
      receiver = http.createServer((incoming, response) => {
        incoming.resume();
        incoming.on('end', () => {
          received++;
          response.writeHead(200, { 'content-length': 0 });
          response.end();
        });
      });
      receiver.keepAliveTimeout = 65_000;
      receiver.listen(0, '127.0.0.1', () => send(process, { kind: 'receiver-ready', url: `http://127.0.0.1:${(receiver?.address() as AddressInfo).port}/webhooks` }));
    }
    if (message.kind === 'count') send(process, { kind: 'count', received });
    if (message.kind === 'stop') {
      receiver?.closeAllConnections();
      receiver?.close();
      process.disconnect();
    }
  });
}

// ---------- parent: the sandbox ----------

function waitFor<T extends ChildMessage['kind']>(child: ChildProcess, kind: T): Promise<Extract<ChildMessage, { kind: T }>> {
  return new Promise((resolve) => {
    const listener = (message: ChildMessage): void => {
      if (message.kind !== kind) return;
      child.off('message', listener);
      resolve(message as Extract<ChildMessage, { kind: T }>);
    };
    child.on('message', listener);
  });
}

function pin(pid: number, cpu: number): boolean {
  try {
    execFileSync('taskset', ['-a', '-cp', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function runMain(): Promise<void> {
  const child = fork(fileURLToPath(import.meta.url), ['--role', 'child'], { execArgv: process.execArgv, stdio: 'inherit' });
  const isPinned = values.pin === true && pin(process.pid, 0) && child.pid !== undefined && pin(child.pid, 1);
  console.log(`node ${process.version}; sandbox ${isPinned ? 'pinned to CPU 0, load generator and receiver to CPU 1' : 'unpinned (pass --pin for the one-core figure)'}`);

  const unlimited = { burstMax: Number.MAX_SAFE_INTEGER, dailyMax: Number.MAX_SAFE_INTEGER };
  const sandbox = await startSandbox({ seed: 42, locations: 3, contacts: 10_000, rateLimits: unlimited });
  const locationId = sandbox.locationIds[0] ?? '';
  const tokens = await authorizeApp(sandbox, { locationIds: [locationId] });
  const search = await fetch(`${sandbox.baseUrl}/contacts/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.access_token}`, version: '2021-07-28', 'content-type': 'application/json' },
    body: JSON.stringify({ locationId, pageLimit: 100 }),
  });
  const contactIds = ((await search.json()) as { contacts: { id: string }[] }).contacts.map((contact) => contact.id);
  const mixes: Record<string, ApiJob['calls']> = {
    'get contact': contactIds.slice(0, 50).map((id) => ({ method: 'GET', path: `/contacts/${id}`, version: '2021-07-28' })),
    'search contacts (100/page, cursor sync)': [{ method: 'POST', path: '/contacts/search', version: '2021-07-28', body: JSON.stringify({ locationId, pageLimit: 100, page: 3, sort: [{ field: 'dateUpdated', direction: 'asc' }] }) }],
    'search opportunities (100/page)': [{ method: 'GET', path: `/opportunities/search?location_id=${locationId}&limit=100`, version: '2021-07-28' }],
    'mixed sync traffic': [
      ...contactIds.slice(0, 8).map((id) => ({ method: 'GET', path: `/contacts/${id}`, version: '2021-07-28' })),
      { method: 'POST', path: '/contacts/search', version: '2021-07-28', body: JSON.stringify({ locationId, pageLimit: 100, page: 2 }) },
      { method: 'GET', path: `/opportunities/search?location_id=${locationId}&limit=100`, version: '2021-07-28' },
      { method: 'GET', path: `/locations/${locationId}`, version: '2021-07-28' },
      { method: 'GET', path: `/calendars/events?locationId=${locationId}&userId=x&startTime=0&endTime=99999999999999`, version: '2021-04-15' },
    ],
  };
  const total = Math.min(200_000, Number(values.requests));
  const concurrency = Math.min(256, Number(values.concurrency));
  for (const [label, calls] of Object.entries(mixes)) {
    const done = waitFor(child, 'api-done');
    send(child, { kind: 'api', baseUrl: sandbox.baseUrl, token: tokens.access_token, calls, total, concurrency });
    const result = await done;
    console.log(`API ${label}: ${total} requests in ${result.seconds.toFixed(2)} s = ${Math.round(total / result.seconds)} req/s (concurrency ${concurrency}, statuses ${JSON.stringify(result.statuses)})`);
  }
  await sandbox.close();

  const ready = waitFor(child, 'receiver-ready');
  send(child, { kind: 'receiver' });
  const { url } = await ready;
  const totalWebhooks = Math.min(100_000, Number(values.webhooks));
  for (const sendLegacyRsaSignature of [false, true]) {
    const hooks = await startSandbox({ seed: 1, locations: 1, contacts: 10, preinstalled: true, webhookUrl: url, quirks: { sendLegacyRsaSignature } });
    const before = waitFor(child, 'count');
    send(child, { kind: 'count' });
    const receivedBefore = (await before).received;
    const startedMs = performance.now();
    for (let sent = 0; sent < totalWebhooks; sent += 5000) {
      const count = Math.min(5000, totalWebhooks - sent);
      await fetch(`${hooks.baseUrl}/sandbox/simulate/bulk-import`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locationId: hooks.locationIds[0], count }) });
    }
    await fetch(`${hooks.baseUrl}/sandbox/webhooks/wait-idle`, { method: 'POST' });
    const seconds = (performance.now() - startedMs) / 1000;
    const after = waitFor(child, 'count');
    send(child, { kind: 'count' });
    const received = (await after).received - receivedBefore;
    const stats = hooks.stats();
    console.log(
      `Webhooks signed with ${sendLegacyRsaSignature ? 'Ed25519 + RSA (sandbox key, 1024-bit)' : 'Ed25519 only'}: ${stats.webhooksDelivered} delivered (${received} received, ${stats.webhooksFailed} failed) in ${seconds.toFixed(2)} s = ${Math.round(stats.webhooksDelivered / seconds)} deliveries/s`,
    );
    await hooks.close();
  }
  send(child, { kind: 'stop' });
}

if (values.role === 'child') runChild();
else await runMain();
