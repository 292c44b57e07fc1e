import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt, hashDashboardSources, isDashboardBuildCurrent } from '../src/main/dashboard-build.js';

const root = mkdtempSync(join(tmpdir(), 'sb-dashboard-build-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('dashboard build (what npm start runs first)', () => {
  it('builds when there is no build or the sources changed, and only then', async () => {
    const outDir = join(root, 'dist');
    expect(isDashboardBuildCurrent(outDir)).toBe(false);
    const first = await ensureDashboardBuilt({ outDir, logLevel: 'silent' });
    expect(first.isBuiltNow).toBe(true);
    expect(existsSync(join(outDir, 'index.html'))).toBe(true);
    const assets = readdirSync(join(outDir, 'assets'));
    expect(assets.filter((name) => name.endsWith('.js'))).toHaveLength(1);
    expect(assets.filter((name) => name.endsWith('.js.gz'))).toHaveLength(1);
    expect(first.javascriptGzipBytes).toBeGreaterThan(1000);
    expect(first.javascriptGzipBytes).toBeLessThan(300 * 1024);
    expect(readFileSync(join(outDir, '.source-hash'), 'utf8').trim()).toBe(hashDashboardSources());

    const second = await ensureDashboardBuilt({ outDir, logLevel: 'silent' });
    expect(second.isBuiltNow).toBe(false);

    // A build of other sources (as after a `git pull`) is rebuilt.
    writeFileSync(join(outDir, '.source-hash'), 'an older build\n');
    const third = await ensureDashboardBuilt({ outDir, logLevel: 'silent' });
    expect(third.isBuiltNow).toBe(true);
    expect(isDashboardBuildCurrent(outDir)).toBe(true);
    expect(readdirSync(root)).toEqual(['dist']);
  });
});
