export { startSandbox, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_QUIRKS } from './sandbox-server.js';
export type { FaultConfig, RateLimitConfig, SandboxHandle, SandboxOptions, SandboxQuirks, SandboxStats } from './sandbox.types.js';
