export { createVault, rotateVaultKeys } from './vault.js';
export type { Vault, VaultDeps, RotationReport } from './vault.js';
export * as vaultTables from './vault.tables.js';
