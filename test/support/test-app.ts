import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { loadConfig, type AppConfig } from '../../src/config/index.js';
import { KeyRing, generateVaultKey } from '../../src/platform/crypto/index.js';
import { openDatabase, queryRows, type Database } from '../../src/platform/db/index.js';
import type { HttpExchange } from '../../src/platform/http-client/index.js';
import { createLogger } from '../../src/platform/log/index.js';
import { startBackgroundWork, wireApp, type Wired } from '../../src/main/wire.js';
import { createTestDatabase, createTestPostgresDatabase, testDatabaseEngine, testDatabaseUrl } from './test-database.js';
import type { SandboxHandle } from '../../src/sandbox/index.js';
import type { ProviderFakes } from '../../src/sandbox/providers/index.js';
import { capturedSourceOf, withProviderFakes } from '../../src/main/notifications-runtime.js';

export interface TestApp extends Wired {
  /** The configuration the app was wired with (on PostgreSQL: DATABASE_URL is the test database). */
  config: AppConfig;
  /** Every log line the app wrote, for asserting that secrets never appear. */
  logs: string[];
  /** Every request the app sent to GHL (the sandbox) with its answer, for contract checks. */
  ghlExchanges: HttpExchange[];
  keyRing: KeyRing;
  close(): Promise<void>;
}

/** The real app wired to a database of this test file's own; requests go through app.inject(). */
export const TEST_GHL_REDIRECT_URI = 'http://127.0.0.1:9/api/oauth/callback';

/**
 * With `sandbox`, the app is wired to that GHL sandbox (OAuth, REST, its webhook signing keys), the
 * way `npm start` wires itself when no GHL credentials are set.
 *
 * On the suite's PostgreSQL pass the app gets the production configuration: DATABASE_URL names the
 * test database, the pool is opened with the configured size as `bootstrap` opens it, and so the
 * webhook pipeline NOTIFYs on ingest and its workers (and the job runner, via startLiveApp) LISTEN.
 */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    database?: Database;
    sandbox?: SandboxHandle;
    withDefaultProcessors?: boolean;
    ghlRedirectUri?: string;
    /** The notification provider fakes the app sends to (as `npm start` does in sandbox mode), with the default email provider. */
    providerFakes?: ProviderFakes;
    emailProvider?: 'smtp' | 'sendgrid' | 'resend';
  } = {},
): Promise<TestApp> {
  let database = options.database;
  let dropDatabase: () => Promise<void> = async () => undefined;
  let databaseUrl = database ? testDatabaseUrl(database) : undefined;
  if (!database && testDatabaseEngine() === 'postgres') {
    const created = await createTestPostgresDatabase();
    databaseUrl = created.url;
    dropDatabase = () => created.drop();
  }
  // Tests run with the guard that fails any GHL call made inside a database transaction; factories
  // register many agencies from one address, so the sign-up limit is out of their way unless a test sets it.
  const loaded = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    HTTP_CLIENT_TRANSACTION_GUARD: 'on',
    REGISTER_MAX_ATTEMPTS_PER_IP: '1000000',
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    ...options.env,
  });
  if (!database) {
    database =
      loaded.database.engine === 'postgres'
        ? await openDatabase({ engine: 'postgres', url: loaded.database.url, poolMax: loaded.database.poolMax, applicationName: 'switchboard-test' })
        : await createTestDatabase();
  }
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
  const keyRing = new KeyRing(new Map([['test1', Buffer.from(generateVaultKey(), 'base64')]]), 'test1');
  const ghlExchanges: HttpExchange[] = [];
  const wired = await wireApp({
    config,
    database,
    logger,
    jwtSecret: 'test-secret-that-is-at-least-32-characters-long',
    keyRing,
    onGhlExchange: (exchange) => ghlExchanges.push(exchange),
    ...(options.withDefaultProcessors === false ? { withDefaultProcessors: false } : {}),
    ...(options.providerFakes ? { capturedMessages: capturedSourceOf(options.providerFakes) } : {}),
    ...(sandbox
      ? { ghl: { apiBaseUrl: sandbox.baseUrl, authorizeUrl: sandbox.authorizeUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret, redirectUri: options.ghlRedirectUri ?? TEST_GHL_REDIRECT_URI } }
      : {}),
  });
  await wired.app.ready();
  const handle = database;
  return {
    ...wired,
    config,
    logs,
    ghlExchanges,
    keyRing,
    async close() {
      await wired.app.close();
      // As before: the app owns the handle it was given, and drops the database it created.
      await handle.close();
      await dropDatabase();
    },
  };
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * Runs the app as `npm start` does against the sandbox: listening, receiving the sandbox's signed
 * webhooks, with the background work of a worker process started (webhook workers, the job runner and,
 * on PostgreSQL, its LISTEN connection). Returns how to stop them.
 */
export async function startLiveApp(app: TestApp, sandbox: SandboxHandle, options: { port?: number } = {}): Promise<() => Promise<void>> {
  const address = await app.app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  sandbox.setWebhookUrl(`${address}/api/webhooks/ghl`);
  const background = startBackgroundWork(app, app.config);
  return () => background.stop();
}

export interface CleanEndExpectations {
  /** Dead jobs the test caused on purpose (e.g. a push GHL refused), by kind and error. */
  isExpectedDeadJob?: (job: { kind: string; lastError: string | null }) => boolean;
  /** Dead webhook events the test caused on purpose, by type and error. */
  isExpectedDeadEvent?: (event: { eventType: string; lastError: string | null }) => boolean;
  /** Error-level log lines the test caused on purpose, by their message. */
  expectedErrorLogs?: readonly RegExp[];
}

/**
 * The end-of-test invariant of an end-to-end kit: nothing went to the dead-letter queues and nothing
 * was logged at error level, unless the test says it expected exactly that.
 */
export async function expectCleanEnd(app: TestApp, expectations: CleanEndExpectations = {}): Promise<void> {
  const deadEvents = await queryRows<{ eventType: string; lastError: string | null }>(
    app.database.db,
    sql`select event_type as "eventType", last_error as "lastError" from webhook_events where status = 'dead' order by id`,
  );
  const deadJobs = await queryRows<{ kind: string; lastError: string | null }>(app.database.db, sql`select kind, last_error as "lastError" from jobs where status = 'dead' order by id`);
  const errorLines = app.logs
    .flatMap((line) => line.split('\n'))
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { level: number; msg?: string; err?: { message?: string } })
    .filter((entry) => entry.level >= 50)
    .map((entry) => `${entry.msg ?? ''}${entry.err?.message ? `: ${entry.err.message}` : ''}`);
  expect(deadEvents.filter((event) => !(expectations.isExpectedDeadEvent?.(event) ?? false)), 'dead webhook events').toEqual([]);
  expect(deadJobs.filter((job) => !(expectations.isExpectedDeadJob?.(job) ?? false)), 'dead jobs').toEqual([]);
  expect(errorLines.filter((line) => !(expectations.expectedErrorLogs ?? []).some((pattern) => pattern.test(line))), 'error-level log lines').toEqual([]);
}
