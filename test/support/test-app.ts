import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config/index.js';
import { KeyRing, generateVaultKey } from '../../src/platform/crypto/index.js';
import type { Database } from '../../src/platform/db/index.js';
import { createLogger } from '../../src/platform/log/index.js';
import { wireApp, type Wired } from '../../src/main/wire.js';
import { createTestDatabase } from './test-database.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import type { ProviderFakes } from '../../src/sandbox/providers/index.js';
import { capturedSourceOf, withProviderFakes } from '../../src/main/notifications-runtime.js';

export interface TestApp extends Wired {
  /** Every log line the app wrote, for asserting that secrets never appear. */
  logs: string[];
  keyRing: KeyRing;
  close(): Promise<void>;
}

/** The real app wired to a database of this test file's own; requests go through app.inject(). */
export const TEST_GHL_REDIRECT_URI = 'http://127.0.0.1:9/api/oauth/callback';

/**
 * With `sandbox`, the app is wired to that GHL sandbox (OAuth, REST, its webhook signing keys), the
 * way `npm start` wires itself when no GHL credentials are set.
 */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    database?: Database;
    sandbox?: SandboxHandle;
    withDefaultProcessors?: boolean;
    /** The notification provider fakes the app sends to (as `npm start` does in sandbox mode), with the default email provider. */
    providerFakes?: ProviderFakes;
    emailProvider?: 'smtp' | 'sendgrid' | 'resend';
  } = {},
): Promise<TestApp> {
  // Tests run with the guard that fails any GHL call made inside a database transaction; factories
  // register many agencies from one address, so the sign-up limit is out of their way unless a test sets it.
  const loaded = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', HTTP_CLIENT_TRANSACTION_GUARD: 'on', REGISTER_MAX_ATTEMPTS_PER_IP: '1000000', ...options.env });
  const sandbox = options.sandbox;
  const withGhl = sandbox
    ? { ...loaded, webhooks: { ...loaded.webhooks, ghlEd25519PublicKeyPem: sandbox.webhookPublicKeys.ed25519Pem, ghlRsaPublicKeyPem: sandbox.webhookPublicKeys.rsaPem } }
    : loaded;
  const config = options.providerFakes ? withProviderFakes(withGhl, options.providerFakes, options.emailProvider) : withGhl;
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(chunk.toString('utf8'));
      callback();
    },
  });
  const logger = createLogger({ level: config.logLevel, destination });
  const database = options.database ?? (await createTestDatabase());
  const keyRing = new KeyRing(new Map([['test1', Buffer.from(generateVaultKey(), 'base64')]]), 'test1');
  const wired = await wireApp({
    config,
    database,
    logger,
    jwtSecret: 'test-secret-that-is-at-least-32-characters-long',
    keyRing,
    ...(options.withDefaultProcessors === false ? { withDefaultProcessors: false } : {}),
    ...(options.providerFakes ? { capturedMessages: capturedSourceOf(options.providerFakes) } : {}),
    ...(sandbox
      ? { ghl: { apiBaseUrl: sandbox.baseUrl, authorizeUrl: sandbox.authorizeUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, redirectUri: TEST_GHL_REDIRECT_URI } }
      : {}),
  });
  await wired.app.ready();
  return {
    ...wired,
    logs,
    keyRing,
    async close() {
      await wired.app.close();
      await database.close();
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * Runs the app as `npm start` does against the sandbox: listening, receiving the sandbox's signed
 * webhooks, with webhook workers and the job runner started. Returns how to stop them.
 */
export async function startLiveApp(app: TestApp, sandbox: SandboxHandle): Promise<() => Promise<void>> {
  const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
  sandbox.setWebhookUrl(`${address}/api/webhooks/ghl`);
  const workers = app.webhooks.startWorkers();
  app.jobs.start();
  return async () => {
    await workers.stop();
    await app.jobs.stop();
  };
}
