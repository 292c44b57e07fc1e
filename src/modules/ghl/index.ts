export { registerGhlLifecycleProcessors } from './lifecycle/register-ghl-lifecycle-processors.js';
export { createGhlLifecycleProcessors, GhlInstallTargetUnknownError, GhlInstallationNotFoundError } from './lifecycle/lifecycle.processors.js';
export type { GhlLifecycleDeps } from './lifecycle/lifecycle.processors.js';
export * as ghlInstallationTables from './ghl-installations.tables.js';
