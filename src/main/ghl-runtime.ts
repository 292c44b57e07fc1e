import type { AppConfig } from '../config/index.js';
import type { GhlConfig } from '../config/ghl.config.js';
import type { Logger } from '../platform/log/index.js';
import { startSandbox, type SandboxHandle } from '../sandbox/index.js';

/** Where GHL is for this process: the real marketplace app, or the local sandbox standing in for it. */
export interface GhlRuntime {
  mode: 'ghl' | 'sandbox' | 'unconfigured';
  apiBaseUrl: string;
  authorizeUrl: string;
  clientId: string;
  clientSecret: string;
  /** Sandbox keys replace GHL's published webhook keys; undefined keeps GHL's. */
  webhookPublicKeys: { ed25519Pem: string; rsaPem: string } | undefined;
  sandbox: SandboxHandle | undefined;
  close(): Promise<void>;
}

/**
 * With GHL credentials the app talks to GHL. Without them, outside production, `npm start` runs the
 * sandbox on SANDBOX_PORT and wires itself to it: OAuth, REST and signed webhooks all go there.
 */
export async function resolveGhlRuntime(config: AppConfig, ghl: GhlConfig, logger: Logger, webhookUrl: string): Promise<GhlRuntime> {
  if (ghl.clientId && ghl.clientSecret) {
    return { mode: 'ghl', apiBaseUrl: ghl.apiBaseUrl, authorizeUrl: ghl.authorizeUrl, clientId: ghl.clientId, clientSecret: ghl.clientSecret, webhookPublicKeys: undefined, sandbox: undefined, close: async () => undefined };
  }
  if (ghl.sandbox.mode === 'off' || config.env === 'production') {
    logger.warn('no GHL credentials (GHL_CLIENT_ID / GHL_CLIENT_SECRET) and the sandbox is off: GHL features are disabled');
    return { mode: 'unconfigured', apiBaseUrl: ghl.apiBaseUrl, authorizeUrl: ghl.authorizeUrl, clientId: '', clientSecret: '', webhookPublicKeys: undefined, sandbox: undefined, close: async () => undefined };
  }
  const sandbox = await startSandbox({
    port: ghl.sandbox.port,
    host: '127.0.0.1',
    seed: ghl.sandbox.seed,
    locations: ghl.sandbox.locations,
    contacts: ghl.sandbox.contacts,
    webhookUrl,
  });
  return {
    mode: 'sandbox',
    apiBaseUrl: sandbox.baseUrl,
    authorizeUrl: sandbox.authorizeUrl,
    clientId: sandbox.clientId,
    clientSecret: sandbox.clientSecret,
    webhookPublicKeys: sandbox.webhookPublicKeys,
    sandbox,
    close: () => sandbox.close(),
  };
}

/** Worker and scheduler processes talk to GHL only with real credentials (the sandbox lives in `npm start`). */
export function ghlFromCredentials(config: AppConfig) {
  const { ghl } = config;
  if (!ghl.clientId || !ghl.clientSecret) return undefined;
  const publicBase = config.http.publicUrl ?? `http://127.0.0.1:${config.http.port}`;
  return {
    apiBaseUrl: ghl.apiBaseUrl,
    authorizeUrl: ghl.authorizeUrl,
    clientId: ghl.clientId,
    clientSecret: ghl.clientSecret,
    redirectUri: ghl.redirectUri ?? `${publicBase}/api/oauth/callback`,
  };
}
