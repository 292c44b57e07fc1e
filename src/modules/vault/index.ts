export { createVault, rotateVaultKeys } from './vault.js';
export type { Vault, VaultDeps, RotationReport } from './vault.js';
export * as vaultTables from './vault.tables.js';
export { createVaultModule } from './create-vault-module.js';
export type { VaultModule } from './create-vault-module.js';
