export { loadConfig, parseVaultKeys, ConfigError } from './load-config.js';
export type { AppConfig, HttpConfig, HttpClientConfig, JobsConfig, DatabaseConfig, AuthConfig, VaultConfig, WebhooksConfig } from './load-config.js';
export type { GhlConfig } from './ghl.config.js';
export type { NotificationsConfig } from './notifications.config.js';
