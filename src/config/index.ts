export { loadConfig, parseVaultKeys, ConfigError } from './load-config.js';
export type { AppConfig, HttpConfig, HttpClientConfig, DatabaseConfig, AuthConfig, VaultConfig, WebhooksConfig } from './load-config.js';
export type { GhlConfig } from './ghl.config.js';
