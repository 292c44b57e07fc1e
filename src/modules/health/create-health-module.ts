import type { AppModule } from '../../platform/module/index.js';
import type { Metrics } from '../../platform/metrics/index.js';
import { registerHealthRoutes, type HealthDeps } from './health.routes.js';
import { registerMetricsRoutes } from './metrics.routes.js';

export interface HealthModuleDeps extends HealthDeps {
  metrics: Metrics;
  /** When set, /metrics asks for it as a bearer token. */
  metricsScrapeToken: string | undefined;
}

/** Liveness and readiness (/health, /ready) and the Prometheus scrape (/metrics). */
export function createHealthModule(deps: HealthModuleDeps): AppModule {
  return {
    name: 'health',
    registerRoutes(app) {
      registerMetricsRoutes(app, { metrics: deps.metrics, scrapeToken: deps.metricsScrapeToken });
      registerHealthRoutes(app, deps);
    },
  };
}
