export { registerGhlLifecycleProcessors } from './lifecycle/register-ghl-lifecycle-processors.js';
export { createGhlLifecycleProcessors, GhlInstallTargetUnknownError, GhlInstallationNotFoundError } from './lifecycle/lifecycle.processors.js';
export type { GhlLifecycleDeps } from './lifecycle/lifecycle.processors.js';
export * as ghlInstallationTables from './ghl-installations.tables.js';
export { createGhl, GHL_RATE_BUDGET } from './create-ghl.js';
export type { Ghl, GhlDeps, GhlSettings } from './create-ghl.js';
export { GhlClient } from './client/ghl-client.js';
export type { GhlTokenSource } from './client/ghl-client.js';
export type { GhlSubject, GhlResult, GhlError } from './client/ghl-http.js';
export { GhlTokenStore, GhlReauthRequiredError, GhlNotInstalledError } from './oauth/token-store.js';
export { GhlOAuthClient, appIdOf } from './oauth/oauth-client.js';
export * as ghlTokenTables from './ghl-tokens.tables.js';
// Setup sync (issue 5 point 4): the `ghl.setup-sync` job, its progress routes and tables.
export { registerSetupSync, enqueueSetupSync, SETUP_SYNC_JOB_KIND } from './sync/setup-sync.jobs.js';
export type { SetupSync, RegisterSetupSyncDeps, SetupSyncTarget } from './sync/setup-sync.jobs.js';
export { registerSyncRoutes } from './sync/sync.routes.js';
export type { SyncRoutesDeps } from './sync/sync.routes.js';
export { SyncProgressHub } from './sync/sync-progress-hub.js';
export { DEFAULT_SETUP_SYNC_SETTINGS, SETUP_SYNC_STEPS, REQUIRED_OPPORTUNITY_FIELDS } from './sync/setup-sync-steps.js';
export type { SetupSyncSettings, SetupSyncStepName } from './sync/setup-sync-steps.js';
export { GRADE_THRESHOLDS } from './sync/grade-setup-sync.js';
export type { InstallReport, SetupGrade } from './sync/grade-setup-sync.js';
export type { SyncProgressView, SyncRunView, SyncStepView } from './sync/get-sync-progress.js';
export * as ghlSyncTables from './ghl-sync.tables.js';
// Sync health (issue 5 point 7): wire with registerSyncHealthRoutes(app, { database, clock }).
export { registerSyncHealthRoutes } from './sync-health/sync-health.routes.js';
export { getSyncHealth } from './sync-health/get-sync-health.js';
export type { SyncHealthDeps } from './sync-health/get-sync-health.js';
export type { SyncHealthView } from './sync-health/sync-health.schemas.js';
