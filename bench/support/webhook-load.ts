import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, runMigrations, type Database } from '../../src/platform/db/index.js';
import { MIGRATIONS_FOLDER, REPO_ROOT } from '../../src/main/wire.js';
import { argon2PasswordHasher, tenantTables } from '../../src/modules/tenants/index.js';

/*
 * Load-generation pieces for the worker benchmarks: signed GHL-shaped events built before the clock
 * starts, a lean keep-alive HTTP client, a fresh database per scenario with its locations installed,
 * and the service's entry points spawned as separate OS processes.
 */

export const ADMIN_EMAIL = 'bench-admin@example.test';
export const ADMIN_PASSWORD = 'bench-password-123';
const keys = generateKeyPairSync('ed25519');
export const BENCH_PUBLIC_KEY_PEM = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();

export interface SignedEvent {
  webhookId: string;
  type: string;
  locationId: string;
  request: Buffer;
}

/** One event's payload by type (the shapes the CRM and GHL processors apply). */
export function payloadOf(type: string, index: number): Record<string, unknown> {
  switch (type) {
    case 'INSTALL':
      return { appId: 'bench-app', companyId: 'comp1', installType: 'Location', userId: `u_${index}` };
    case 'InboundMessage':
      return { conversationId: `conv_${index % 4000}`, contactId: `c_${index % 5000}`, messageId: `m_${index}`, messageType: 'SMS', body: 'Hello, is this still available?', direction: 'inbound' };
    case 'ContactUpdate':
      return { id: `c_${index % 5000}`, firstName: 'Ada', lastName: 'Lovelace', email: `ada${index}@example.com`, dateUpdated: new Date().toISOString() };
    case 'ContactCreate':
      return { id: `c_new_${index}`, firstName: 'Grace', email: `grace${index}@example.com` };
    case 'OpportunityUpdate':
      return { id: `o_${index % 2000}`, status: 'open', monetaryValue: 1200, pipelineId: 'p1', pipelineStageId: 's2' };
    default:
      return { id: `x_${index}` };
  }
}

export function buildEvent(type: string, locationId: string, index: number): SignedEvent {
  return buildSignedEvent({ type, locationId, ...payloadOf(type, index) });
}

/** A signed delivery of `payload` (which carries `type` and `locationId`), with GHL's envelope fields added. */
export function buildSignedEvent(fields: Record<string, unknown> & { type: string; locationId: string }): SignedEvent {
  const { type, locationId } = fields;
  const webhookId = `${type}-${randomUUID()}`;
  const payload = { ...fields, webhookId, timestamp: new Date().toISOString(), appId: 'bench-app', versionId: 'v1' };
  const body = Buffer.from(JSON.stringify(payload));
  const head = ['POST /api/webhooks/ghl HTTP/1.1', 'host: 127.0.0.1', 'content-type: application/json', `content-length: ${body.length}`, `x-ghl-signature: ${sign(null, body, keys.privateKey).toString('base64')}`];
  return { webhookId, type, locationId, request: Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), body]) };
}

class RawConnection {
  private socket: Socket | undefined;
  private buffer: Buffer = Buffer.alloc(0);
  private pending: ((status: number) => void) | undefined;

  constructor(private readonly port: number) {}

  private open(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: this.port }, () => resolve(socket));
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      const fail = () => {
        this.socket = undefined;
        this.buffer = Buffer.alloc(0);
        const waiter = this.pending;
        this.pending = undefined;
        waiter?.(0);
      };
      socket.on('error', fail);
      socket.on('close', fail);
      this.socket = socket;
    });
  }

  private onData(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const headerEnd = this.buffer.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffer.subarray(0, headerEnd).toString('latin1');
    const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    if (this.buffer.length < headerEnd + 4 + length) return;
    this.buffer = this.buffer.subarray(headerEnd + 4 + length);
    const waiter = this.pending;
    this.pending = undefined;
    waiter?.(Number(head.slice(9, 12)));
  }

  async send(bytes: Buffer): Promise<number> {
    const socket = await this.open();
    return new Promise((resolve) => {
      this.pending = resolve;
      socket.write(bytes);
    });
  }
}

/** A fixed set of keep-alive connections; requests wait for a free one. */
export class RawPool {
  private readonly idle: RawConnection[];
  private readonly queue: ((connection: RawConnection) => void)[] = [];

  constructor(port: number, size: number) {
    this.idle = Array.from({ length: size }, () => new RawConnection(port));
  }

  async send(bytes: Buffer): Promise<number> {
    const connection = this.idle.pop() ?? (await new Promise<RawConnection>((resolve) => this.queue.push(resolve)));
    try {
      return await connection.send(bytes);
    } finally {
      const next = this.queue.shift();
      if (next) next(connection);
      else this.idle.push(connection);
    }
  }
}

/** Sends `events` at `rate` per second (open loop); records the send time of each. */
export async function sendAtRate(pool: RawPool, events: readonly SignedEvent[], rate: number, sentAt: Map<string, number>): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  const started = performance.now();
  let sent = 0;
  const inFlight: Promise<void>[] = [];
  while (sent < events.length) {
    const due = Math.min(events.length, Math.floor(((performance.now() - started) / 1000) * rate));
    while (sent < due) {
      const event = events[sent] as SignedEvent;
      sentAt.set(event.webhookId, Date.now());
      inFlight.push(pool.send(event.request).then((status) => void statuses.set(status, (statuses.get(status) ?? 0) + 1)));
      sent += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(inFlight);
  return statuses;
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

export const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

export interface BenchDatabase {
  engine: 'PostgreSQL' | 'PGlite';
  /** Environment for the service processes. */
  env: Record<string, string>;
  open(): Promise<Database>;
  drop(): Promise<void>;
}

/** A fresh, migrated database with `locations` installed locations (loc_0 …) and an admin user. */
export async function createBenchDatabase(input: { adminUrl: string | undefined; pgliteDir: string; locations: number }): Promise<BenchDatabase> {
  let bench: BenchDatabase;
  if (input.adminUrl) {
    const name = `sb_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: input.adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(input.adminUrl);
    url.pathname = `/${name}`;
    const adminUrl = input.adminUrl;
    bench = {
      engine: 'PostgreSQL',
      env: { DATABASE_URL: url.toString() },
      open: () => openDatabase({ engine: 'postgres', url: url.toString(), poolMax: 2 }),
      async drop() {
        const dropper = new pg.Client({ connectionString: adminUrl });
        await dropper.connect();
        await dropper.query(`drop database if exists ${name} with (force)`);
        await dropper.end();
      },
    };
  } else {
    bench = { engine: 'PGlite', env: { DATABASE_URL: '', PGLITE_DATA_DIR: input.pgliteDir }, open: () => openDatabase({ engine: 'pglite', dataDir: input.pgliteDir }), drop: async () => undefined };
  }
  const database = await bench.open();
  try {
    await runMigrations(database, MIGRATIONS_FOLDER);
    const passwordHash = await argon2PasswordHasher.hash(ADMIN_PASSWORD);
    await database.db.insert(tenantTables.users).values({ id: `usr_bench_${randomBytes(4).toString('hex')}`, companyId: null, email: ADMIN_EMAIL, name: 'Bench', passwordHash, role: 'platform_admin' });
    await database.db.insert(tenantTables.companies).values({ id: 'co_bench', name: 'Bench agency', ghlCompanyId: 'comp1' });
    await database.db.insert(tenantTables.locations).values(Array.from({ length: input.locations }, (_, index) => ({ id: `loc_bench_${index}`, companyId: 'co_bench', name: `Bench ${index}`, ghlLocationId: `loc_${index}` })));
  } finally {
    await database.close();
  }
  return bench;
}

/** Spawns an entry point (`all.ts`, `api.ts`, `worker.ts`) as its own OS process. */
export function spawnService(entry: string, env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/main', entry)], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      JWT_SECRET: 'bench-secret-that-is-long-enough-for-the-check-0123',
      VAULT_KEYS: `bench:${Buffer.alloc(32, 7).toString('base64')}`,
      GHL_SANDBOX: 'off',
      GHL_WEBHOOK_ED25519_PUBLIC_KEY: BENCH_PUBLIC_KEY_PEM,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export async function waitForHttp(port: number, path: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`);
      if (response.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`nothing answered on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}
