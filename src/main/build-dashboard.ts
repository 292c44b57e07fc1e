import { buildDashboard, ensureDashboardBuilt } from './dashboard-build.js';

// `npm start` / `npm run api` run this with --if-stale first (a few seconds, only after the dashboard's sources changed);
// `npm run dashboard:build` always builds.
const isIfStale = process.argv.includes('--if-stale');
const startedAt = Date.now();
try {
  const result = isIfStale ? await ensureDashboardBuilt() : { ...(await buildDashboard()), isBuiltNow: true };
  if (result.isBuiltNow) {
    process.stdout.write(`Dashboard built in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (${(result.javascriptGzipBytes / 1024).toFixed(1)} KB of gzipped JavaScript) → ${result.outDir}\n`);
  }
} catch (error) {
  process.stderr.write(`The dashboard could not be built: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
