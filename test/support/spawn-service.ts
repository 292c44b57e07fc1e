import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from '../../src/main/wire.js';

export interface SpawnedService {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Runs an entry point as a real child process (what `npm start` runs), with its own env. */
export function spawnEntry(entry: string, env: Record<string, string>): SpawnedService {
  return spawnScript(join('src/main', entry), env);
}

/** Runs a TypeScript file of the repository as a child process; `stdin: 'pipe'` lets the test talk to it. */
export function spawnScript(path: string, env: Record<string, string>, options: { stdin?: 'ignore' | 'pipe' } = {}): SpawnedService {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, path)], {
    cwd: REPO_ROOT,
    // SANDBOX_PORT 0: a service that starts the GHL sandbox (no GHL credentials) binds a port the OS picks, never 4010.
    env: { ...process.env, DATABASE_URL: '', NODE_ENV: 'development', LOG_LEVEL: 'warn', HTTP_CLIENT_TRANSACTION_GUARD: 'on', SANDBOX_PORT: '0', ...env },
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { process: child, output: () => output, exited };
}

/**
 * Polls `probe` every 100 ms until it answers a value; gives up when `stopReason` names a reason or
 * the time is up, with the error `failure` builds for the reason.
 */
async function pollUntil<T>(probe: () => Promise<T | undefined>, timeoutMs: number, stopReason: () => string | undefined, failure: (why: string) => Error): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not ready yet
    }
    const stopped = stopReason();
    if (stopped !== undefined) throw failure(stopped);
    if (Date.now() > deadline) throw failure('timed out');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  return pollUntil(probe, timeoutMs, () => undefined, (why) => new Error(`${why} waiting for ${what}`));
}

/**
 * `waitFor` for a spawned child: fails at once if the child exits first, and either failure carries
 * the child's exit code and the end of its output, so a slow start and a crash read differently.
 */
export async function waitForService<T>(service: SpawnedService, probe: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const startedAt = Date.now();
  const exitOf = () => {
    const { exitCode, signalCode } = service.process;
    return exitCode !== null || signalCode !== null ? `the process exited (code ${exitCode}, signal ${signalCode})` : undefined;
  };
  return pollUntil(probe, timeoutMs, exitOf, (why) => new Error(`${why} waiting for ${what} after ${Math.round((Date.now() - startedAt) / 1000)} s; its output ends:\n${service.output().slice(-3000)}`));
}
