import type { AppModule } from '../../platform/module/index.js';
import { createVault, type Vault, type VaultDeps } from './vault.js';

export interface VaultModule extends AppModule {
  vault: Vault;
}

/** Encrypted secrets (AES-256-GCM under a key id); other modules keep secret ids, never secrets. */
export function createVaultModule(deps: VaultDeps): VaultModule {
  return { name: 'vault', vault: createVault(deps) };
}
