import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DASHBOARD_DIST, REPO_ROOT } from './wire.js';

export const DASHBOARD_ROOT = join(REPO_ROOT, 'dashboard');
/** Written into the build: the hash of the sources it was built from. */
const SOURCE_HASH_FILE = '.source-hash';
const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

/**
 * Everything the build depends on: the dashboard's sources and config, and the versions of the
 * packages it bundles. Content, not mtimes, so a fresh clone or a checkout decides correctly.
 */
export function hashDashboardSources(): string {
  const hash = createHash('sha256');
  const inputs = [join(DASHBOARD_ROOT, 'index.html'), join(DASHBOARD_ROOT, 'vite.config.ts'), join(DASHBOARD_ROOT, 'tsconfig.json'), ...listFiles(join(DASHBOARD_ROOT, 'src')), ...listFiles(join(DASHBOARD_ROOT, 'public'))].sort();
  for (const file of inputs) {
    if (!existsSync(file)) continue;
    hash.update(relative(DASHBOARD_ROOT, file)).update('\u0000').update(readFileSync(file)).update('\u0000');
  }
  const manifest = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  hash.update(JSON.stringify({ vite: manifest.dependencies?.vite, preact: manifest.dependencies?.preact }));
  return hash.digest('hex');
}

export function isDashboardBuildCurrent(outDir = DASHBOARD_DIST): boolean {
  const stamp = join(outDir, SOURCE_HASH_FILE);
  return existsSync(join(outDir, 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hashDashboardSources();
}

export interface DashboardBuild {
  outDir: string;
  /** Gzipped bytes of all JavaScript the first load fetches (one entry bundle, no lazy chunks). */
  javascriptGzipBytes: number;
  files: { path: string; bytes: number; gzipBytes: number }[];
}

function describeBuild(outDir: string): DashboardBuild {
  const files = listFiles(outDir)
    .filter((path) => COMPRESSIBLE.test(path))
    .map((path) => ({ path: relative(outDir, path), bytes: statSync(path).size, gzipBytes: existsSync(`${path}.gz`) ? statSync(`${path}.gz`).size : gzipSync(readFileSync(path), { level: 9 }).length }));
  return { outDir, files, javascriptGzipBytes: files.filter((file) => file.path.endsWith('.js')).reduce((sum, file) => sum + file.gzipBytes, 0) };
}

/**
 * Builds the dashboard with Vite into `outDir` (git-ignored), writes gzip copies next to the text
 * files (served when the browser accepts gzip) and stamps the source hash. Built beside the target
 * and swapped in, so a running server never serves a half-written folder.
 */
export async function buildDashboard(options: { outDir?: string; logLevel?: 'info' | 'warn' | 'error' | 'silent' } = {}): Promise<DashboardBuild> {
  const outDir = options.outDir ?? DASHBOARD_DIST;
  const staging = `${outDir}.building-${process.pid}`;
  const { build } = await import('vite');
  await build({ root: DASHBOARD_ROOT, configFile: join(DASHBOARD_ROOT, 'vite.config.ts'), logLevel: options.logLevel ?? 'warn', build: { outDir: staging, emptyOutDir: true } });
  for (const file of listFiles(staging).filter((path) => COMPRESSIBLE.test(path))) writeFileSync(`${file}.gz`, gzipSync(readFileSync(file), { level: 9 }));
  writeFileSync(join(staging, SOURCE_HASH_FILE), `${hashDashboardSources()}\n`);
  // Two renames, so a request to a running server finds a whole build at every moment but one.
  const previous = `${outDir}.previous-${process.pid}`;
  try {
    if (existsSync(outDir)) renameSync(outDir, previous);
    renameSync(staging, outDir);
  } catch (error) {
    // Another process (a second `npm start`, a test) swapped in its build of the same sources first.
    if (!isDashboardBuildCurrent(outDir)) throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  rmSync(previous, { recursive: true, force: true });
  return describeBuild(outDir);
}

/** Builds only when the sources changed since the last build (what `npm start` runs first). */
export async function ensureDashboardBuilt(options: { outDir?: string; logLevel?: 'info' | 'warn' | 'error' | 'silent' } = {}): Promise<DashboardBuild & { isBuiltNow: boolean }> {
  const outDir = options.outDir ?? DASHBOARD_DIST;
  if (isDashboardBuildCurrent(outDir)) return { ...describeBuild(outDir), isBuiltNow: false };
  return { ...(await buildDashboard({ ...options, outDir })), isBuiltNow: true };
}
