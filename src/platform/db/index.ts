export { createDatabase, applyTenantScope, queryRows, APP_ROLE } from './database.js';
export type { Database, Db, Tx, Executor, DatabaseEngine, TenantScope } from './database.js';
export { openDatabase } from './open-database.js';
export type { OpenDatabaseOptions } from './open-database.js';
export { acquireDataDirLock, DataDirLockedError } from './data-dir-lock.js';
export { runMigrations, readMigrationStatus } from './migrate.js';
export type { MigrationStatus } from './migrate.js';
export { companyTenantPolicy, locationTenantPolicy, appRole } from './tenant-policies.js';
export { timestamptz, mirrorKeys, localFirstMirrorKeys, mirrorSourceColumns, writeThroughColumns } from './columns.js';
