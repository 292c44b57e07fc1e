import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError } from './data-dir-lock.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDataDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'sb-lock-'));
  dirs.push(root);
  return join(root, 'pglite');
}

describe('data dir lock', () => {
  it('refuses a second holder while the first is alive, and frees on release', () => {
    const dataDir = tempDataDir();
    const first = acquireDataDirLock(dataDir);
    // Our own pid counts as "another live holder" only when the file names a live other process.
    writeFileSync(join(dataDir, '..', 'pglite.lock'), String(process.ppid));
    expect(() => acquireDataDirLock(dataDir)).toThrow(DataDirLockedError);
    writeFileSync(join(dataDir, '..', 'pglite.lock'), String(process.pid));
    first.release();
    const second = acquireDataDirLock(dataDir);
    second.release();
  });

  it('takes over a lock left by a dead process', () => {
    const dataDir = tempDataDir();
    acquireDataDirLock(dataDir).release();
    writeFileSync(join(dataDir, '..', 'pglite.lock'), '2147483646');
    const lock = acquireDataDirLock(dataDir);
    lock.release();
  });
});
