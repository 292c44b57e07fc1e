// The GHL marketplace app as an adapter (docs/ARCHITECTURE.md §10): OAuth install/uninstall, the token
// vault, the rate-governed REST client. It imports no domain module; its client implements their ports.
export { createGhlModule, GHL_RATE_BUDGET } from './create-ghl-module.js';
export type { GhlModule, GhlModuleDeps, GhlConnection, GhlSettings } from './create-ghl-module.js';
export type { LocationInstallListener, InstalledLocation } from './oauth/install-app.js';
export { createGhlLifecycleProcessors, GhlInstallTargetUnknownError, GhlInstallationNotFoundError } from './lifecycle/lifecycle.processors.js';
export { createGhlLifecycleSubscriptions } from './lifecycle/lifecycle.webhooks.js';
export type { GhlLifecycleDeps } from './lifecycle/lifecycle.processors.js';
export * as ghlInstallationTables from './ghl-installations.tables.js';
export { GhlClient } from './client/ghl-client.js';
export type { GhlTokenSource } from './client/ghl-client.js';
export type { GhlSubject, GhlResult, GhlError } from './client/ghl-http.js';
export { GhlTokenStore, GhlReauthRequiredError, GhlNotInstalledError } from './oauth/token-store.js';
export { GhlOAuthClient, appIdOf } from './oauth/oauth-client.js';
export * as ghlTokenTables from './ghl-tokens.tables.js';
export { readRateLimitHeaders } from './client/ghl-http.js';
export { ghlInstallDirectory } from './lifecycle/install-directory.repo.js';
