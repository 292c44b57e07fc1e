export { startSandbox, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_QUIRKS } from './sandbox-server.js';
export type { FaultConfig, RateLimitConfig, SandboxHandle, SandboxOptions, SandboxQuirks, SandboxStats, WebhookSigningKeys } from './sandbox.types.js';
export { generateWebhookSigningKeys, loadOrCreateWebhookSigningKeys } from './webhook-signing-keys.js';
export { authorizeApp, callGhl, exchangeToken, startWebhookReceiver } from './sandbox-test-kit.js';
export type { AuthorizeOptions, ReceivedWebhook, TokenResponse, WebhookReceiver } from './sandbox-test-kit.js';
