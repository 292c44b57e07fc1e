export { registerCrmProcessors, createCrmProcessors } from './register-crm-processors.js';
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
export type { CrmReadDeps, GhlFreeSlotsSource } from './crm-read.deps.js';
