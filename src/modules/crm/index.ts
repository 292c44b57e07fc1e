export { registerCrmProcessors, createCrmProcessors, createCrmBatchAppliers } from './register-crm-processors.js';
export type { CrmProcessorDeps } from './entity-processor.js';
export { LocationNotInstalledError } from './crm.errors.js';
export { toCents, findCents, InvalidAmountError } from './money.js';
export { applyEntityVersions } from './entity-versions.repo.js';
export type { EntityTable, EntityVersion, ColumnSpec } from './entity-versions.repo.js';
export * as crmTables from './crm.tables.js';
export { parseGhlTime, resolveSourceVersion } from './ghl-payload.js';
export type { SourceVersion } from './ghl-payload.js';
// Read API for frontends (issue 5 point 7): wire with registerCrmRoutes(app, { database, ghl: ghl?.client }).
export { registerCrmRoutes } from './crm.routes.js';
export type { CrmReadDeps, CrmWriteDeps, GhlFreeSlotsSource } from './crm-read.deps.js';
// Write-through (issue 5 point 5): the ghl module runs the push jobs these functions describe.
export { PUSH_JOB_KINDS, beginPush, confirmPush, recordCreatedGhlId, recordPushFailure, requeueUnconfirmedEdits, findContactGhlId } from './write-through.repo.js';
export type { PushPlan, WriteThroughEntity, WriteThroughRow } from './write-through.repo.js';
export { SEND_MESSAGE_JOB_KIND } from './send-message.js';
export { findMessageSend, markMessageSent, markMessageFailed, markMessageSending, findOutboundMessageFor } from './crm-write.repo.js';
export type { MessageSendRow } from './crm-write.repo.js';
export { readGhlRecord } from './ghl-record-versions.js';
