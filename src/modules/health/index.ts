export { registerHealthRoutes } from './health.routes.js';
export type { HealthDeps } from './health.routes.js';
export { registerMetricsRoutes } from './metrics.routes.js';
