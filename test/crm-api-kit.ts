import { sql } from 'drizzle-orm';
import { authorizeApp, startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { queryRows } from '../src/platform/db/index.js';
import { createHttpServer, type HttpServer } from '../src/platform/http/index.js';
import { generateId } from '../src/platform/ids/ids.js';
import type { JobRunner } from '../src/platform/jobs/index.js';
import { createLogger } from '../src/platform/log/index.js';
import { createAuthenticator, ensureGhlLocation } from '../src/modules/tenants/index.js';
import { enqueueSetupSync } from '../src/modules/crm/index.js';
import { registerCrmRoutes } from '../src/modules/crm/crm.routes.js';
import { createTestApp, expectCleanEnd, type CleanEndExpectations, type TestApp } from './support/test-app.js';
import { startBackgroundWork } from '../src/main/wire.js';
import { createAgency } from './support/factories.js';
import { waitFor } from './support/spawn-service.js';

/**
 * The CRM read API and sync health on a real app wired to the GHL sandbox: one agency whose first
 * location is installed from the sandbox and filled by the real setup sync, plus a second agency for
 * tenant isolation. A second server serves the CRM routes without a GHL client (GHL not configured).
 */
export interface CrmApiKit {
  sandbox: SandboxHandle;
  app: TestApp;
  /** The wired app's HTTP server. */
  server: HttpServer;
  /** The same routes without a GHL client (a server with GHL not configured). */
  serverWithoutGhl: HttpServer;
  runner: JobRunner;
  agency: { email: string; token: string; companyId: string; locationIds: string[] };
  otherAgency: { token: string; companyId: string; locationIds: string[] };
  /** The agency's location linked to the sandbox location and synced. */
  installed: { companyId: string; locationId: string; ghlLocationId: string };
  /** The end-of-test invariant: no dead events or jobs and no error-level log lines but the expected ones. */
  expectCleanEnd(expectations?: CleanEndExpectations): Promise<void>;
  close(): Promise<void>;
}

export async function startCrmApiKit(options: { contacts?: number; withWebhooks?: boolean } = {}): Promise<CrmApiKit> {
  const sandbox = await startSandbox({ port: 0, seed: 41, locations: 1, contacts: options.contacts ?? 40, quirks: { sendLegacyRsaSignature: false } });
  const app = await createTestApp({ sandbox });
  const ghl = app.ghl;
  if (!ghl) throw new Error('the sandbox-wired app has no GHL');
  const logger = createLogger({ level: 'silent' });
  // src/main/wire.ts registers the CRM read and sync health routes on the app itself.
  const server = app.app;
  const serverWithoutGhl = await createHttpServer({ logger, bodyLimitBytes: 1_000_000, corsOrigins: [], version: 'test', authenticator: createAuthenticator(app.tenants) });
  registerCrmRoutes(serverWithoutGhl, { database: app.database, generateId, clock: { now: () => new Date() } });
  await serverWithoutGhl.ready();

  // Webhooks from the sandbox reach the app and are processed (write-through echoes, sandbox edits).
  if (options.withWebhooks) {
    const address = await app.app.listen({ host: '127.0.0.1', port: 0 });
    sandbox.setWebhookUrl(`${address}/api/webhooks/ghl`);
  }

  const agency = await createAgency(app, 1);
  const otherAgency = await createAgency(app, 1);
  // Fixture: this agency is the sandbox's GHL agency, so the installed location joins it.
  await app.database.system((tx) => tx.execute(sql`update companies set ghl_company_id = ${sandbox.companyId} where id = ${agency.companyId}`));
  const ghlLocationId = sandbox.locationIds[0] as string;
  const token = await authorizeApp(sandbox, { userType: 'Location', locationIds: [ghlLocationId] });
  // As the OAuth callback does: tokens and the setup sync job commit together (outbox).
  const tenant = await app.database.system(async (tx) => {
    const ref = await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: sandbox.companyId });
    await ghl.tokens.saveTokens(tx, { companyId: ref.companyId, locationId: ref.locationId, userType: 'Location', ghlCompanyId: sandbox.companyId, ghlLocationId, token });
    await enqueueSetupSync(tx, generateId, { companyId: ref.companyId, locationId: ref.locationId, ghlLocationId, trigger: 'install' });
    return ref;
  });
  if (tenant.companyId !== agency.companyId) throw new Error('installed location did not join the agency');
  const installed = { companyId: tenant.companyId, locationId: tenant.locationId, ghlLocationId };

  // What a worker process runs (src/main/wire.ts): webhook workers, the job runner with the setup
  // sync and pushes registered on it, and on PostgreSQL the LISTEN connections.
  const runner = app.jobs;
  const background = startBackgroundWork(app, app.config);
  const run = await waitFor(async () => {
    const [row] = await queryRows<{ status: string }>(app.database.db, sql`select status from runs where kind = 'setup-sync' and location_id = ${installed.locationId} order by created_at desc limit 1`);
    return row && (row.status === 'done' || row.status === 'partial') ? row : undefined;
  }, 90_000, 'setup sync to finish');
  if (run.status !== 'done') throw new Error(`setup sync ended ${run.status}`);

  return {
    sandbox,
    app,
    server,
    serverWithoutGhl,
    runner,
    agency,
    otherAgency,
    installed,
    expectCleanEnd: (expectations) => expectCleanEnd(app, expectations),
    async close() {
      await background.stop();
      await serverWithoutGhl.close();
      await app.close();
      await sandbox.close();
    },
  };
}
