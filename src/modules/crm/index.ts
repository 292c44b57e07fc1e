// The local mirror of GHL data (docs/ARCHITECTURE.md §10): processors, setup sync, reconciliation,
// the CRM API with write-through, sync health. GHL is reached only through the GhlGateway port.
export { createCrmModule } from './create-crm-module.js';
export type { CrmModule, CrmModuleDeps, CrmLocationLifecycle } from './create-crm-module.js';
export type { GhlGateway, GhlAnswer, GhlGatewayError } from './ghl-gateway.js';
export { CRM_WEBHOOK_ROUTES, createCrmWebhookSubscriptions } from './crm.webhooks.js';
export { createCrmProcessors, createCrmBatchAppliers } from './register-crm-processors.js';
export type { CrmProcessorDeps } from './entity-processor.js';
export { LocationNotInstalledError } from './location-not-installed-error.js';
export { toCents, findCents, InvalidAmountError } from './money.js';
export * as crmTables from './crm.tables.js';
export * as setupSyncTables from './sync/setup-sync.tables.js';
// Setup sync: the job, its progress and grade.
export { enqueueSetupSync, SETUP_SYNC_JOB_KIND } from './sync/setup-sync.jobs.js';
export type { SetupSync, SetupSyncTarget } from './sync/setup-sync.jobs.js';
export { DEFAULT_SETUP_SYNC_SETTINGS, SETUP_SYNC_STEPS, REQUIRED_OPPORTUNITY_FIELDS } from './sync/setup-sync-steps.js';
export type { SetupSyncSettings, SetupSyncStepName } from './sync/setup-sync-steps.js';
export { GRADE_THRESHOLDS } from './sync/grade-setup-sync.js';
export type { InstallReport, SetupGrade } from './sync/grade-setup-sync.js';
export type { SyncProgressView, SyncRunView, SyncStepView } from './sync/get-sync-progress.js';
// Reconciliation.
export { enqueueReconciliation, RECONCILE_JOB_KIND, RECONCILE_SCHEDULED_JOB_NAME } from './reconcile/reconcile.jobs.js';
export type { Reconciliation, ReconcileTarget, ReconcileRequested } from './reconcile/reconcile.jobs.js';
export { DEFAULT_RECONCILE_SETTINGS, RECONCILE_ENTITIES } from './reconcile/reconcile-entities.js';
export type { ReconcileSettings, ReconcileEntityName } from './reconcile/reconcile-entities.js';
export type { ReconciliationView, ReconcileRunView, ReconcileEntityView } from './reconcile/get-reconciliation.js';
// Sync health.
export { getSyncHealth } from './sync-health/get-sync-health.js';
export type { SyncHealthView } from './sync-health/sync-health.schemas.js';
// Write-through.
export { PUSH_JOB_KINDS, recordCreatedGhlId } from './write-through.repo.js';
export type { WriteThroughEntity } from './write-through.repo.js';
export { SEND_MESSAGE_JOB_KIND } from './send-message.js';
export type { GhlInstallDirectory, GhlLocationAccess, GhlConnectedLocation } from './ghl-installs.js';
