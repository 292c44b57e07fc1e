import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import type { AppConfig } from '../config/index.js';
import type { GhlConfig } from '../config/ghl.config.js';
import type { Logger } from '../platform/log/index.js';
import { loadOrCreateWebhookSigningKeys, startSandbox, type SandboxHandle } from '../sandbox/index.js';

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

/** A setting that contradicts the built-in sandbox; the process stops and says which. */
export class GhlRuntimeConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GhlRuntimeConflictError';
  }
}

/** Where `npm start` keeps the sandbox's webhook signing keys: one random pair per data dir. */
export function sandboxKeysPathOf(dataRoot: string): string {
  return join(dataRoot, 'sandbox-webhook-keys.json');
}

function isSamePublicKey(a: string, b: string): boolean {
  try {
    return createPublicKey(a).export({ type: 'spki', format: 'der' }).equals(createPublicKey(b).export({ type: 'spki', format: 'der' }));
  } catch {
    return false;
  }
}

/**
 * With GHL credentials the app talks to GHL. Without them, outside production, `npm start` runs the
 * sandbox on SANDBOX_PORT and wires itself to it: OAuth, REST and signed webhooks all go there. The
 * sandbox signs with random keys kept in the data dir (`SANDBOX_SEED` is public and only shapes its
 * data). A webhook key set explicitly is never silently replaced: if it is not the sandbox's own,
 * the sandbox's webhooks could not verify, so this refuses to start and names the conflict.
 */
export async function resolveGhlRuntime(config: AppConfig, ghl: GhlConfig, logger: Logger, webhookUrl: string, dataRoot: string): Promise<GhlRuntime> {
  if (ghl.clientId && ghl.clientSecret) {
    return { mode: 'ghl', apiBaseUrl: ghl.apiBaseUrl, authorizeUrl: ghl.authorizeUrl, clientId: ghl.clientId, clientSecret: ghl.clientSecret, webhookPublicKeys: undefined, sandbox: undefined, close: async () => undefined };
  }
  if (ghl.sandbox.mode === 'off' || config.env === 'production') {
    logger.warn('no GHL credentials (GHL_CLIENT_ID / GHL_CLIENT_SECRET) and the sandbox is off: GHL features are disabled');
    return { mode: 'unconfigured', apiBaseUrl: ghl.apiBaseUrl, authorizeUrl: ghl.authorizeUrl, clientId: '', clientSecret: '', webhookPublicKeys: undefined, sandbox: undefined, close: async () => undefined };
  }
  const keysPath = sandboxKeysPathOf(dataRoot);
  const { keys, isNew } = loadOrCreateWebhookSigningKeys(keysPath);
  const publicKeys = {
    ed25519Pem: createPublicKey(keys.ed25519PrivateKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
    rsaPem: createPublicKey(keys.rsaPrivateKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
  };
  const conflicts = [
    ['GHL_WEBHOOK_ED25519_PUBLIC_KEY', config.webhooks.ghlEd25519PublicKeyPem, publicKeys.ed25519Pem],
    ['GHL_WEBHOOK_RSA_PUBLIC_KEY', config.webhooks.ghlRsaPublicKeyPem, publicKeys.rsaPem],
  ].filter((entry): entry is [string, string, string] => entry[1] !== undefined && !isSamePublicKey(entry[1], entry[2] as string));
  if (conflicts.length > 0) {
    const names = conflicts.map(([name]) => name).join(' and ');
    throw new GhlRuntimeConflictError(
      `${names} ${conflicts.length > 1 ? 'are' : 'is'} set, but without GHL_CLIENT_ID / GHL_CLIENT_SECRET the built-in GHL sandbox runs and signs webhooks with its own keys (${keysPath}); ` +
        'its webhooks would fail verification. Unset the key to trust the sandbox, set it to the sandbox\'s public key (GET /sandbox/public-keys), ' +
        'set GHL_SANDBOX=off, or configure GHL_CLIENT_ID / GHL_CLIENT_SECRET.',
    );
  }
  if (isNew) logger.info({ path: keysPath }, 'generated the sandbox webhook signing keys');
  const sandbox = await startSandbox({
    port: ghl.sandbox.port,
    host: '127.0.0.1',
    seed: ghl.sandbox.seed,
    locations: ghl.sandbox.locations,
    contacts: ghl.sandbox.contacts,
    webhookUrl,
    webhookSigningKeys: keys,
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
