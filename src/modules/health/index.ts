export { registerHealthRoutes } from './health.routes.js';
export type { HealthDeps } from './health.routes.js';
export { registerMetricsRoutes } from './metrics.routes.js';
export { createHealthModule } from './create-health-module.js';
export type { HealthModuleDeps } from './create-health-module.js';
