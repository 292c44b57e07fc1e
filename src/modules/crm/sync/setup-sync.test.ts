import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { authorizeApp, callGhl, startSandbox, startWebhookReceiver, type SandboxHandle } from '../../../sandbox/index.js';
import { createTestDatabase } from '../../../../test/support/test-database.js';
import { waitFor } from '../../../../test/support/spawn-service.js';
import { KeyRing, generateVaultKey } from '../../../platform/crypto/index.js';
import { queryRows, refuseInsideTransaction, type Database } from '../../../platform/db/index.js';
import { createHttpClient } from '../../../platform/http-client/index.js';
import { createHttpServer, type HttpServer } from '../../../platform/http/index.js';
import { generateId } from '../../../platform/ids/ids.js';
import { systemClock } from '../../../platform/clock/clock.js';
import { claimJobs, JobRunner } from '../../../platform/jobs/index.js';
import { RunInterruptedError } from '../../../platform/runs/index.js';
import { createLogger } from '../../../platform/log/index.js';
import { argon2PasswordHasher, createAuthenticator, createSessionTokens, ensureGhlLocation, registerTenantsRoutes, type TenantsDeps } from '../../tenants/index.js';
import { createVault } from '../../vault/index.js';
import { createCrmProcessors } from '../register-crm-processors.js';
import { GhlClient, GhlOAuthClient, GhlTokenStore, readRateLimitHeaders } from '../../ghl/index.js';
import { CrmApplier } from './crm-applier.js';
import { runSetupSync } from './run-setup-sync.js';
import { DEFAULT_SETUP_SYNC_SETTINGS } from './setup-sync-steps.js';
import { enqueueSetupSync, registerSetupSync, SETUP_SYNC_JOB_KIND, type SetupSync } from './setup-sync.jobs.js';
import { SyncProgressHub } from './sync-progress-hub.js';
import { registerSyncRoutes } from './sync.routes.js';
import type { SyncProgressView } from './get-sync-progress.js';

const CONTACTS = 300;
let sandbox: SandboxHandle;
let database: Database;
let app: HttpServer;
let runner: JobRunner;
let setupSync: SetupSync;
let store: GhlTokenStore;
let client: GhlClient;
const hub = new SyncProgressHub();
const logger = createLogger({ level: 'silent' });
const keyRing = new KeyRing(new Map([['k1', Buffer.from(generateVaultKey(), 'base64')]]), 'k1');
const tenantsByGhl = new Map<string, { companyId: string; locationId: string; ghlLocationId: string }>();
let adminToken = '';
let otherAgencyToken = '';

async function registerAgency(): Promise<{ token: string; companyId: string }> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/register',
    payload: { email: `admin-${generateId()}@example.test`, password: 'correct-horse-battery', name: 'Admin', companyName: `Agency ${generateId()}` },
  });
  if (response.statusCode !== 201) throw new Error(response.body);
  const body = response.json<{ token: string; user: { companyId: string } }>();
  return { token: body.token, companyId: body.user.companyId };
}

async function installLocation(ghlLocationId: string, scope?: string) {
  const token = await authorizeApp(sandbox, { userType: 'Location', locationIds: [ghlLocationId], ...(scope ? { scope } : {}) });
  return database.system(async (tx) => {
    const tenant = await ensureGhlLocation(tx, generateId, { ghlLocationId, ghlCompanyId: sandbox.companyId });
    await store.saveTokens(tx, { companyId: tenant.companyId, locationId: tenant.locationId, userType: 'Location', ghlCompanyId: sandbox.companyId, ghlLocationId, token });
    return { ...tenant, ghlLocationId, scope: token.scope };
  });
}

async function sandboxCounts(ghlLocationId: string) {
  const response = await fetch(`${sandbox.baseUrl}/sandbox/state/summary`);
  const summary = (await response.json()) as { locations: { locationId: string; contacts: number; opportunities: number; conversations: number; messages: number; pipelines: number; calendars: number }[] };
  const found = summary.locations.find((location) => location.locationId === ghlLocationId);
  if (!found) throw new Error('unknown sandbox location');
  return found;
}

async function count(table: string, locationId: string): Promise<number> {
  const [row] = await queryRows<{ total: number }>(database.db, sql`select count(*)::int as total from ${sql.identifier(table)} where location_id = ${locationId} and deleted_at is null`);
  return row?.total ?? 0;
}

async function waitForRun(runId: string, timeoutMs = 60_000) {
  return waitFor(async () => {
    const [row] = await queryRows<{ status: string; grade: string | null; report: Record<string, unknown> | null }>(database.db, sql`select status, summary->>'grade' as grade, summary as report from runs where id = ${runId}`);
    return row && (row.status === 'done' || row.status === 'partial') ? row : undefined;
  }, timeoutMs, `sync run ${runId} to finish`);
}

async function stepsOf(runId: string) {
  return queryRows<{ step: string; status: string; recordCount: number; requestCount: number; error: string | null; attempts: number }>(
    database.db,
    sql`select step, status, record_count as "recordCount", request_count as "requestCount", error, attempts from run_steps where run_id = ${runId} order by position`,
  );
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 23, locations: 2, contacts: CONTACTS, quirks: { sendLegacyRsaSignature: false } });
  database = await createTestDatabase();
  const http = createHttpClient({
    defaultTimeoutMs: 10_000,
    retry: { maxRetries: 2, baseDelayMs: 10, maxDelayMs: 50, maxRateLimitWaits: 3 },
    rateBudget: { maxPerWindow: 100, windowMs: 10_000, maxPerDay: 200_000 },
    readRateHeaders: readRateLimitHeaders,
    guard: refuseInsideTransaction,
  });
  const vault = createVault({ keyRing, generateId, clock: systemClock });
  const oauth = new GhlOAuthClient({ http, apiBaseUrl: sandbox.baseUrl, clientId: sandbox.clientId, clientSecret: sandbox.clientSecret });
  store = new GhlTokenStore({ database, vault, oauth, clock: systemClock, generateId, logger, refreshWindowSeconds: 0 });
  client = new GhlClient({ http, apiBaseUrl: sandbox.baseUrl, clientId: sandbox.clientId, tokens: store });

  const tenants: TenantsDeps = {
    database,
    clock: systemClock,
    generateId,
    passwords: argon2PasswordHasher,
    sessions: createSessionTokens({ secret: 'test-secret-that-is-at-least-32-characters-long', ttlSeconds: 3600, now: () => new Date() }),
    loginLimits: { maxAttemptsPerAccount: 100, maxAttemptsPerIp: 100, windowSeconds: 60 },
    registerLimits: { maxAttemptsPerIp: 100, windowSeconds: 60 },
  };
  app = await createHttpServer({ logger, bodyLimitBytes: 1_000_000, corsOrigins: [], version: 'test', authenticator: createAuthenticator(tenants) });
  registerTenantsRoutes(app, tenants);
  runner = new JobRunner({ database, logger, settings: { idleMs: 100, leaseSeconds: 10, concurrency: 2 } });
  setupSync = registerSetupSync({ jobs: runner, database, client, generateId, clock: systemClock, logger, hub });
  registerSyncRoutes(app, { database, clock: systemClock, logger, hub, setupSync, pollIntervalMs: 200 });
  await app.ready();

  // The agency that installs the app: its company is the GHL agency's.
  const agency = await registerAgency();
  adminToken = agency.token;
  await database.system((tx) => tx.execute(sql`update companies set ghl_company_id = ${sandbox.companyId} where id = ${agency.companyId}`));
  otherAgencyToken = (await registerAgency()).token;
  for (const ghlLocationId of sandbox.locationIds) {
    const installed = await installLocation(ghlLocationId);
    expect(installed.companyId).toBe(agency.companyId);
    tenantsByGhl.set(ghlLocationId, installed);
  }
});

afterAll(async () => {
  await runner?.stop();
  await app?.close();
  await database?.close();
  await sandbox?.close();
});

describe('setup sync', () => {
  it('syncs two installed locations end to end, as jobs, and grades the install', async () => {
    runner.start();
    const runIds: string[] = [];
    for (const tenant of tenantsByGhl.values()) {
      await setupSync.onLocationInstalled(tenant);
      const [run] = await queryRows<{ id: string }>(database.db, sql`select id from runs where kind = 'setup-sync' and location_id = ${tenant.locationId} order by created_at desc limit 1`);
      runIds.push(run?.id as string);
    }
    // A second install notification (INSTALL webhook after the OAuth callback) joins the open run.
    const first = [...tenantsByGhl.values()][0] as { companyId: string; locationId: string; ghlLocationId: string };
    await setupSync.onLocationInstalled(first);
    expect(await queryRows(database.db, sql`select id from runs where kind = 'setup-sync' and location_id = ${first.locationId}`)).toHaveLength(1);

    for (const runId of runIds) {
      const run = await waitForRun(runId);
      const unfinished = (await stepsOf(runId)).filter((step) => step.status !== 'done').map((step) => `${step.step}: ${step.status} ${step.error ?? ''}`);
      expect(unfinished).toEqual([]);
      expect(run.status).toBe('done');
      // Speed grades depend on the machine's load (the bench measures them); every step done means A–D.
      expect(run.grade).toMatch(/^[A-D]$/);
      expect((run.report?.['reasons'] as string[])[0]).toMatch(/^all steps done; usable after [\d.]+ s, complete after [\d.]+ s$/);
      expect(run.report?.['slowestStep']).toMatchObject({ name: expect.any(String), seconds: expect.any(Number) });
      const steps = await stepsOf(runId);
      expect(steps.map((step) => step.step)).toEqual(['location', 'pipelines', 'calendars', 'users', 'custom-fields', 'custom-values', 'contacts', 'opportunities', 'appointments', 'conversations', 'messages', 'defaults']);
      expect(steps.every((step) => step.status === 'done' && step.requestCount >= (step.step === 'defaults' ? 0 : 1))).toBe(true);
    }

    for (const tenant of tenantsByGhl.values()) {
      const expected = await sandboxCounts(tenant.ghlLocationId);
      expect(expected.contacts).toBe(CONTACTS);
      expect(await count('contacts', tenant.locationId)).toBe(expected.contacts);
      expect(await count('opportunities', tenant.locationId)).toBe(expected.opportunities);
      expect(await count('conversations', tenant.locationId)).toBe(expected.conversations);
      // Recent messages: those of the last messagesPastDays, as GHL's export counts them.
      const [run] = await queryRows<{ startedAt: string | Date }>(database.db, sql`select started_at as "startedAt" from runs where kind = 'setup-sync' and location_id = ${tenant.locationId}`);
      const since = new Date(new Date(run?.startedAt as string).getTime() - DEFAULT_SETUP_SYNC_SETTINGS.messagesPastDays * 86_400_000).toISOString();
      const exportToken = await store.getAccessToken({ kind: 'location', ghlLocationId: tenant.ghlLocationId });
      const exported = (await callGhl(sandbox, exportToken, 'GET', `/conversations/messages/export?locationId=${tenant.ghlLocationId}&limit=10&startDate=${since}`)) as unknown as { body: { total: number } };
      // Emails only come with channel=Email (the export leaves them out otherwise).
      const emails = (await callGhl(sandbox, exportToken, 'GET', `/conversations/messages/export?locationId=${tenant.ghlLocationId}&limit=10&startDate=${since}&channel=Email`)) as unknown as { body: { total: number } };
      expect(exported.body.total).toBeGreaterThan(0);
      expect(exported.body.total + emails.body.total).toBeLessThanOrEqual(expected.messages);
      expect(await count('messages', tenant.locationId)).toBe(exported.body.total + emails.body.total);
      expect(await count('ghl_pipelines', tenant.locationId)).toBe(expected.pipelines);
      expect(await count('ghl_calendars', tenant.locationId)).toBe(expected.calendars);
      expect(await count('appointments', tenant.locationId)).toBeGreaterThan(0);
      const steps = await stepsOf((await queryRows<{ id: string }>(database.db, sql`select id from runs where kind = 'setup-sync' and location_id = ${tenant.locationId}`))[0]?.id as string);
      expect(steps.find((step) => step.step === 'appointments')?.recordCount).toBe(await count('appointments', tenant.locationId));

      // The required opportunity fields now exist in GHL, and the defaults point at them.
      const token = await store.getAccessToken({ kind: 'location', ghlLocationId: tenant.ghlLocationId });
      const fields = (await callGhl(sandbox, token, 'GET', `/locations/${tenant.ghlLocationId}/customFields?model=opportunity`)) as unknown as { body: { customFields: { id: string; fieldKey: string }[] } };
      const keys = fields.body.customFields.map((field) => field.fieldKey);
      expect(keys).toEqual(expect.arrayContaining(['opportunity.project_title', 'opportunity.quote_number', 'opportunity.signed_date']));
      const [defaults] = await queryRows<{ customFieldIds: Record<string, string>; pipelineGhlId: string | null; calendarGhlId: string | null }>(
        database.db,
        sql`select custom_field_ids as "customFieldIds", pipeline_ghl_id as "pipelineGhlId", calendar_ghl_id as "calendarGhlId" from ghl_location_defaults where location_id = ${tenant.locationId}`,
      );
      const projectTitle = fields.body.customFields.find((field) => field.fieldKey === 'opportunity.project_title');
      expect(defaults?.customFieldIds['project_title']).toBe(projectTitle?.id);
      expect(defaults?.pipelineGhlId).toBeTruthy();
      expect(defaults?.calendarGhlId).toBeTruthy();
    }
  });

  it('re-syncs idempotently: no duplicates, no custom field created twice, unchanged rows untouched', async () => {
    const tenant = [...tenantsByGhl.values()][0] as { companyId: string; locationId: string; ghlLocationId: string };
    const before = { contacts: await count('contacts', tenant.locationId), messages: await count('messages', tenant.locationId), fields: await count('ghl_custom_fields', tenant.locationId) };
    const [{ startedAt } = { startedAt: '' }] = await queryRows<{ startedAt: string }>(database.db, sql`select now()::text as "startedAt"`);
    const runId = await setupSync.requestSync(tenant);
    const run = await waitForRun(runId);
    expect(run.status).toBe('done');
    expect(await count('contacts', tenant.locationId)).toBe(before.contacts);
    expect(await count('messages', tenant.locationId)).toBe(before.messages);
    expect(await count('ghl_custom_fields', tenant.locationId)).toBe(before.fields);
    const [touched] = await queryRows<{ total: number }>(database.db, sql`select count(*)::int as total from contacts where location_id = ${tenant.locationId} and updated_at >= ${startedAt}::timestamptz`);
    expect(touched?.total).toBe(0);
    const steps = await stepsOf(runId);
    expect(steps.find((step) => step.step === 'custom-fields')?.requestCount).toBe(1);
  });

  it('serves progress as JSON to the owner only: 401 without credentials, 404 for another agency, 400 for a bad id', async () => {
    const tenant = [...tenantsByGhl.values()][0] as { locationId: string };
    const ok = await app.inject({ method: 'GET', url: `/api/sync/progress/${tenant.locationId}`, headers: { authorization: `Bearer ${adminToken}` } });
    expect(ok.statusCode).toBe(200);
    const view = ok.json<SyncProgressView>();
    expect(view.current?.status).toBe('done');
    expect(view.current?.isUsable).toBe(true);
    expect(view.current?.steps).toHaveLength(12);
    expect(view.current?.steps.find((step) => step.name === 'contacts')).toMatchObject({ status: 'done', records: CONTACTS, seconds: expect.any(Number) });
    expect(view.current?.report?.['grade']).toBe(view.current?.grade);
    expect(view.runs.length).toBe(2);

    expect((await app.inject({ method: 'GET', url: `/api/sync/progress/${tenant.locationId}` })).statusCode).toBe(401);
    const foreign = await app.inject({ method: 'GET', url: `/api/sync/progress/${tenant.locationId}`, headers: { authorization: `Bearer ${otherAgencyToken}` } });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json<{ error: { code: string } }>().error.code).toBe('not_found');
    const foreignStream = await app.inject({ method: 'GET', url: `/api/sync/progress/${tenant.locationId}`, headers: { authorization: `Bearer ${otherAgencyToken}`, accept: 'text/event-stream' } });
    expect(foreignStream.statusCode).toBe(404);
    const foreignResync = await app.inject({ method: 'POST', url: `/api/sync/progress/${tenant.locationId}/resync`, headers: { authorization: `Bearer ${otherAgencyToken}` } });
    expect(foreignResync.statusCode).toBe(404);
    const bad = await app.inject({ method: 'GET', url: '/api/sync/progress/not%20an%20id', headers: { authorization: `Bearer ${adminToken}` } });
    expect(bad.statusCode).toBe(400);
  });

  it('streams progress as Server-Sent Events until the run finishes', async () => {
    const tenant = [...tenantsByGhl.values()][1] as { locationId: string; ghlLocationId: string };
    sandbox.setFaults({ latencyMs: 40 }, tenant.ghlLocationId);
    try {
      const address = await app.listen({ port: 0, host: '127.0.0.1' });
      const resync = await fetch(`${address}/api/sync/progress/${tenant.locationId}/resync`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
      expect(resync.status).toBe(202);
      const { runId } = (await resync.json()) as { runId: string };
      // As a browser's EventSource does: no Authorization header, a short-lived ticket in the query.
      const issued = await fetch(`${address}/api/auth/stream-ticket`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
      expect(issued.status).toBe(200);
      const { ticket } = (await issued.json()) as { ticket: string };
      const streamUrl = `${address}/api/sync/progress/${tenant.locationId}?ticket=${encodeURIComponent(ticket)}`;
      // A ticket opens event streams only: not a JSON read, not a bearer token.
      expect((await fetch(streamUrl)).status).toBe(401);
      expect((await fetch(`${address}/api/sync/progress/${tenant.locationId}`, { headers: { authorization: `Bearer ${ticket}` } })).status).toBe(401);
      const response = await fetch(streamUrl, { headers: { accept: 'text/event-stream' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const text = await response.text();
      const events = text
        .split('\n\n')
        .filter((block) => block.includes('event: '))
        .map((block) => ({ event: /event: (\S+)/.exec(block)?.[1], data: JSON.parse(/data: (.*)/.exec(block)?.[1] ?? 'null') as unknown }));
      const progress = events.filter((event) => event.event === 'progress').map((event) => event.data as SyncProgressView);
      expect(progress.length).toBeGreaterThanOrEqual(3);
      expect(progress[0]?.current?.id).toBe(runId);
      expect(progress[0]?.current?.isFinished).toBe(false);
      expect(progress.at(-1)?.current).toMatchObject({ id: runId, isFinished: true, status: 'done' });
      // Counts only grow while the stream runs.
      const contactCounts = progress.map((view) => view.current?.steps.find((step) => step.name === 'contacts')?.records ?? 0);
      expect([...contactCounts].sort((a, b) => a - b)).toEqual(contactCounts);
      expect(events.at(-1)?.event).toBe('end');
    } finally {
      sandbox.setFaults({}, tenant.ghlLocationId);
    }
  });

  it('resumes a crashed run from its checkpoint: no duplicates, no page fetched twice', async () => {
    await runner.stop();
    const tenant = [...tenantsByGhl.values()][1] as { companyId: string; locationId: string; ghlLocationId: string };
    sandbox.setFaults({ latencyMs: 30 }, tenant.ghlLocationId);
    const settings = { ...DEFAULT_SETUP_SYNC_SETTINGS, contactsPageSize: 50 };
    const { runId } = await database.system((tx) => enqueueSetupSync(tx, generateId, { ...tenant, trigger: 'manual' }));
    // A worker claims the job and dies mid-contacts: no finish, no failure recorded, lease left to expire.
    const [claimed] = await claimJobs(database.db, { kinds: [SETUP_SYNC_JOB_KIND], workerId: 'doomed-worker', limit: 1, leaseSeconds: 1 });
    expect(claimed?.payload['runId']).toBe(runId);
    const controller = new AbortController();
    const crashing = runSetupSync({ database, client, crm: new CrmApplier({ generateId, clock: systemClock }), settings, generateId, clock: systemClock, logger, hub }, runId, controller.signal);
    await waitFor(async () => {
      const steps = await stepsOf(runId);
      return (steps.find((step) => step.step === 'contacts')?.recordCount ?? 0) >= 100 ? true : undefined;
    }, 30_000, 'contacts to be half synced');
    controller.abort();
    await expect(crashing).rejects.toThrow(RunInterruptedError);
    const halfway = (await stepsOf(runId)).find((step) => step.step === 'contacts');
    expect(halfway?.status).toBe('running');
    expect(halfway?.recordCount).toBeLessThan(CONTACTS);
    sandbox.setFaults({}, tenant.ghlLocationId);

    // A fresh worker: the expired lease is reaped and the job resumes the run (its own lease is long, so a
    // loaded machine cannot expire it mid-run and add an attempt).
    const resumed = new JobRunner({ database, logger, settings: { idleMs: 100, leaseSeconds: 10 } });
    registerSetupSync({ jobs: resumed, database, client, generateId, clock: systemClock, logger, hub, settings: { contactsPageSize: 50 } });
    resumed.start();
    try {
      const run = await waitForRun(runId);
      expect(run.status).toBe('done');
    } finally {
      await resumed.stop();
    }
    const contactsStep = (await stepsOf(runId)).find((step) => step.step === 'contacts');
    expect(contactsStep?.attempts).toBe(2);
    expect(contactsStep?.recordCount).toBe(CONTACTS);
    // 6 full pages and the empty last one, plus at most the two pages in flight at the crash: the one
    // being written and the next, fetched ahead while it was written.
    expect(contactsStep?.requestCount).toBeLessThanOrEqual(9);
    expect(await count('contacts', tenant.locationId)).toBe(CONTACTS);
    const [job] = await queryRows<{ status: string; attempts: number }>(database.db, sql`select status, attempts from jobs where id = ${claimed?.id}::bigint`);
    expect(job).toEqual({ status: 'done', attempts: 2 });
  });

  it('fences a stalled worker: without the job lease a run writes nothing', async () => {
    const tenant = [...tenantsByGhl.values()][1] as { companyId: string; locationId: string; ghlLocationId: string };
    const { runId } = await database.system((tx) => enqueueSetupSync(tx, generateId, { ...tenant, trigger: 'manual' }));
    const [job] = await queryRows<{ id: string }>(database.db, sql`select id::text as id from jobs where idempotency_key = ${runId}`);
    const stale = runSetupSync({ database, client, crm: new CrmApplier({ generateId, clock: systemClock }), settings: DEFAULT_SETUP_SYNC_SETTINGS, generateId, clock: systemClock, logger, hub }, runId, new AbortController().signal, { jobId: job?.id as string, workerId: 'stalled-worker' });
    await expect(stale).rejects.toThrow(RunInterruptedError);
    const steps = await stepsOf(runId);
    expect(steps.every((step) => step.status === 'pending' && step.attempts === 0 && step.recordCount === 0)).toBe(true);
    // The job itself is untouched and runs normally.
    runner.start();
    expect((await waitForRun(runId)).status).toBe('done');
  });

  it('writes a synced contact exactly as the same contact arriving by webhook', async () => {
    const tenant = [...tenantsByGhl.values()][0] as { companyId: string; locationId: string; ghlLocationId: string };
    runner.start();
    const receiver = await startWebhookReceiver(sandbox.webhookPublicKeys);
    sandbox.setWebhookUrl(receiver.url);
    const webhookWorld = await createTestDatabase();
    try {
      const [picked] = await queryRows<{ ghlId: string }>(database.db, sql`select ghl_id as "ghlId" from contacts where location_id = ${tenant.locationId} order by ghl_id limit 1`);
      const contactId = picked?.ghlId as string;
      const edited = await fetch(`${sandbox.baseUrl}/sandbox/simulate/edit-contact`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ contactId, changes: { companyName: 'Identity Check Ltd', firstName: 'Ada' } }) });
      expect(edited.status).toBe(200);
      const [delivery] = (await receiver.waitFor((received) => received.some((webhook) => webhook.body['type'] === 'ContactUpdate' && webhook.body['id'] === contactId))).filter((webhook) => webhook.body['type'] === 'ContactUpdate' && webhook.body['id'] === contactId);
      // The webhook path, in a database of its own: the CRM processor on the delivered payload.
      await webhookWorld.system(async (tx) => {
        await ensureGhlLocation(tx, generateId, { ghlLocationId: tenant.ghlLocationId, ghlCompanyId: sandbox.companyId });
        const processor = createCrmProcessors({ generateId, clock: systemClock })['ContactUpdate'];
        const outcome = await processor?.(tx, { id: '1', provider: 'ghl', eventType: 'ContactUpdate', deliveryId: String(delivery?.body['webhookId']), ghlLocationId: tenant.ghlLocationId, ghlCompanyId: null, payload: delivery?.body ?? {}, receivedAt: new Date(), attempt: 1 });
        expect(outcome?.status).toBe('done');
      });
      // The setup sync path: a re-sync lists the edited contact over REST.
      const runId = await setupSync.requestSync(tenant);
      expect((await waitForRun(runId)).status).toBe('done');
      const columns = sql`first_name as "firstName", last_name as "lastName", full_name as "fullName", email, phone, company_name as "companyName", tags, is_dnd as "isDnd",
        source, assigned_to as "assignedTo", custom_fields as "customFields", date_added::text as "dateAdded"`;
      const [synced] = await queryRows(database.db, sql`select ${columns} from contacts where location_id = ${tenant.locationId} and ghl_id = ${contactId}`);
      const [webhooked] = await queryRows(webhookWorld.db, sql`select ${columns} from contacts where ghl_id = ${contactId}`);
      expect(synced).toMatchObject({ companyName: 'Identity Check Ltd', firstName: 'Ada' });
      // dnd_settings is left out: only REST (and ContactDndUpdate) carry it, and ContactUpdate keeps what is stored.
      expect(synced).toEqual(webhooked);
    } finally {
      sandbox.setWebhookUrl('');
      await receiver.close();
      await webhookWorld.close();
    }
  });

  it('a failing step fails only itself and the steps that need it; the rest completes', async () => {
    const tenant = [...tenantsByGhl.values()][0] as { companyId: string; locationId: string; ghlLocationId: string };
    // Reinstall with a consent that lacks the appointments and conversations scopes (a real-world misconfiguration).
    const full = await installLocation(tenant.ghlLocationId);
    const restricted = full.scope.split(' ').filter((scope) => scope !== 'calendars/events.readonly' && scope !== 'conversations.readonly').join(' ');
    await installLocation(tenant.ghlLocationId, restricted);
    runner.start();
    const runId = await setupSync.requestSync(tenant);
    const run = await waitForRun(runId);
    expect(run.status).toBe('partial');
    const steps = Object.fromEntries((await stepsOf(runId)).map((step) => [step.step, step]));
    expect(steps['appointments']?.status).toBe('failed');
    expect(steps['appointments']?.error).toMatch(/GET \/calendars\/events answered 401/);
    expect(steps['conversations']?.status).toBe('failed');
    expect(steps['messages']?.status).toBe('skipped');
    expect(steps['messages']?.error).toMatch(/conversations failed/);
    for (const name of ['location', 'pipelines', 'calendars', 'users', 'custom-fields', 'custom-values', 'contacts', 'opportunities', 'defaults']) expect(steps[name]?.status).toBe('done');
    expect(run.grade).toBe('E');
    expect(JSON.stringify(run.report)).not.toMatch(/Bearer [A-Za-z0-9]/);
  });
});
