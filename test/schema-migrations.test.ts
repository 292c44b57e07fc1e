import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../src/main/wire.js';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'switchboard-schema-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('schema and migrations', () => {
  it('drizzle-kit finds no difference between the *.tables.ts schema and the committed migrations', async () => {
    // drizzle-kit compares the schema with the newest snapshot in a migrations folder; it runs on a
    // copy so that a difference, if any, is written there and reported here instead of in the repo.
    const out = join(scratch, 'migrations');
    cpSync(join(REPO_ROOT, 'migrations'), out, { recursive: true });
    const before = readdirSync(out).filter((file) => file.endsWith('.sql'));
    const config = join(scratch, 'drizzle.config.ts');
    writeFileSync(
      config,
      // drizzle-kit takes paths relative to its working directory.
      `export default ${JSON.stringify({ dialect: 'postgresql', schema: ['./src/**/*.tables.ts'], out: relative(REPO_ROOT, out), entities: { roles: { provider: '' } } })};\n`,
    );
    const { stdout, stderr } = await run(join(REPO_ROOT, 'node_modules/.bin/drizzle-kit'), ['generate', '--config', config, '--name', 'drift'], { cwd: REPO_ROOT, timeout: 120_000 });
    const after = readdirSync(out).filter((file) => file.endsWith('.sql'));
    expect(after, `drizzle-kit wrote a migration: the schema changed without one\n${stdout}${stderr}`).toEqual(before);
    expect(`${stdout}${stderr}`).toContain('No schema changes');
  });
});
