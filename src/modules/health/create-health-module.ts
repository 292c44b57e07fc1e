import { upkeepTables } from '../../platform/db/index.js';
import type { AppModule } from '../../platform/module/index.js';
import type { Metrics } from '../../platform/metrics/index.js';
import { registerHealthRoutes, type HealthDeps } from './health.routes.js';
import { registerMetricsRoutes } from './metrics.routes.js';

export interface HealthModuleDeps extends HealthDeps {
  metrics: Metrics;
  /** When set, /metrics asks for it as a bearer token. */
  metricsScrapeToken: string | undefined;
}

export const TABLE_UPKEEP_JOB_NAME = 'health.upkeep-tables';

/**
 * Liveness and readiness (/health, /ready), the Prometheus scrape (/metrics), and on embedded PGlite
 * the database upkeep autovacuum does on a server: every minute, the tables past autovacuum's
 * thresholds are vacuumed or analyzed (platform/db/table-maintenance.ts).
 */
export function createHealthModule(deps: HealthModuleDeps): AppModule {
  const upkeep = async () => {
    const done = await upkeepTables(deps.database);
    for (const entry of done) {
      deps.metrics.tableUpkeep.inc({ table: entry.table, action: entry.action });
      deps.metrics.tableUpkeepSeconds.observe({ action: entry.action }, entry.durationMs / 1000);
    }
    return { tables: done.map((entry) => `${entry.action} ${entry.table} (${entry.deadTuples} dead, ${entry.durationMs} ms)`) };
  };
  return {
    name: 'health',
    schedules: deps.database.engine === 'pglite' ? [{ name: TABLE_UPKEEP_JOB_NAME, cron: '* * * * *', run: upkeep }] : [],
    registerRoutes(app) {
      registerMetricsRoutes(app, { metrics: deps.metrics, scrapeToken: deps.metricsScrapeToken });
      registerHealthRoutes(app, deps);
    },
  };
}
