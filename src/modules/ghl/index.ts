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
// Write-through (issue 5 point 5): the outbox handlers that push CRM writes to GHL.
export { registerPushJobs } from './push/register-push-jobs.js';
export type { PushDeps } from './push/push-records.js';
// Reconciliation (issue 5 point 6): the `ghl.reconcile-location` job, the `ghl.reconcile` cron job, routes and tables.
export { registerReconciliation, enqueueReconciliation, RECONCILE_JOB_KIND, RECONCILE_SCHEDULED_JOB_NAME } from './reconcile/reconcile.jobs.js';
export type { Reconciliation, RegisterReconciliationDeps, ReconcileTarget, ReconcileRequested } from './reconcile/reconcile.jobs.js';
export { registerReconciliationRoutes } from './reconcile/reconcile.routes.js';
export type { ReconciliationRoutesDeps } from './reconcile/reconcile.routes.js';
export { DEFAULT_RECONCILE_SETTINGS, RECONCILE_ENTITIES } from './reconcile/reconcile-entities.js';
export type { ReconcileSettings, ReconcileEntityName } from './reconcile/reconcile-entities.js';
export type { ReconciliationView, ReconcileRunView, ReconcileEntityView } from './reconcile/get-reconciliation.js';
export * as ghlReconcileTables from './ghl-reconcile.tables.js';
