import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { authorizeApp, startSandbox, type SandboxHandle } from '../../../sandbox/index.js';
import { queryRows } from '../../../platform/db/index.js';
import { bearer, createTestApp, startLiveApp, TEST_GHL_REDIRECT_URI, type TestApp } from '../../../../test/support/test-app.js';
import { createAgency, createLocationUser } from '../../../../test/support/factories.js';
import { waitFor } from '../../../../test/support/spawn-service.js';
import type { GhlClient } from '../../ghl/index.js';
import type { ReconciliationView, ReconcileRunView } from './get-reconciliation.js';
import { RECONCILE_SCHEDULED_JOB_NAME } from './reconcile.jobs.js';

/*
 * End to end against the GHL sandbox over HTTP and a real database: the location is installed through
 * OAuth and filled by the setup sync; changes made in GHL while webhooks are delivered arrive by
 * webhook, changes made while the sandbox drops every webhook are repaired by reconciliation.
 */

let sandbox: SandboxHandle;
let app: TestApp;
let client: GhlClient;
let stopWorkers: () => Promise<void>;
let agency: { token: string; companyId: string };
let locationId = '';
let ghlLocationId = '';

const DAY_MS = 86_400_000;

async function sandboxPost(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

async function installLocation(): Promise<{ locationId: string }> {
  const started = await app.app.inject({ method: 'GET', url: '/api/oauth/install?userType=Location&redirect=false', headers: bearer(agency.token) });
  const url = new URL(started.json<{ url: string }>().url);
  const form = new URLSearchParams({ client_id: url.searchParams.get('client_id') ?? '', redirect_uri: TEST_GHL_REDIRECT_URI, state: url.searchParams.get('state') ?? '', companyId: sandbox.companyId, user_type: 'Location' });
  form.append('locationIds', ghlLocationId);
  const approval = await fetch(`${sandbox.baseUrl}/oauth/chooselocation/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
  const redirect = new URL(approval.headers.get('location') ?? '');
  const callback = await app.app.inject({
    method: 'GET',
    url: `/api/oauth/callback?code=${encodeURIComponent(redirect.searchParams.get('code') ?? '')}&state=${encodeURIComponent(redirect.searchParams.get('state') ?? '')}`,
  });
  if (callback.statusCode !== 200) throw new Error(`install failed: ${callback.body}`);
  const installed = callback.json<{ locations: { locationId: string }[] }>().locations[0];
  if (!installed) throw new Error('no location installed');
  return installed;
}

/** Every webhook the sandbox sent has been delivered and processed by our pipeline. */
async function waitForWebhooksProcessed(): Promise<void> {
  await sandboxPost('/sandbox/webhooks/wait-idle', {});
  await waitFor(async () => {
    const [row] = await queryRows<{ open: number }>(app.database.db, sql`select count(*)::int as open from webhook_events where status in ('pending', 'running', 'retry')`);
    return row?.open === 0 ? true : undefined;
  }, 30_000, 'webhooks processed');
}

async function readView(token = agency.token): Promise<ReconciliationView> {
  const response = await app.app.inject({ method: 'GET', url: `/api/sync/reconciliation/${locationId}`, headers: bearer(token) });
  expect(response.statusCode).toBe(200);
  return response.json<ReconciliationView>();
}

async function waitForRun(runId: string): Promise<ReconcileRunView> {
  return waitFor(async () => {
    const run = (await readView()).runs.find((candidate) => candidate.id === runId);
    return run?.isFinished ? run : undefined;
  }, 60_000, `reconciliation ${runId}`);
}

function entityFigures(run: ReconcileRunView) {
  return Object.fromEntries(run.entities.map((entity) => [entity.name, { listed: entity.listed, repaired: entity.repaired, unapplied: entity.unapplied, status: entity.status }]));
}

async function row<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T | undefined> {
  const [found] = await queryRows<T>(app.database.db, query);
  return found;
}

/** Re-consents the location (optionally with fewer scopes) and stores the new tokens; returns the granted scope. */
async function replaceLocationToken(scope?: string): Promise<string> {
  const token = await authorizeApp(sandbox, { userType: 'Location', locationIds: [ghlLocationId], ...(scope ? { scope } : {}) });
  const tokens = app.ghl?.tokens;
  if (!tokens) throw new Error('no token store');
  await app.database.system((tx) => tokens.saveTokens(tx, { companyId: agency.companyId, locationId, userType: 'Location', ghlCompanyId: sandbox.companyId, ghlLocationId, token }));
  return token.scope;
}

/** POST /invoices/ (a draft; GHL sends InvoiceCreate); returns its id. */
async function createInvoice(contactGhlId: string): Promise<string> {
  const created = await client.call<{ _id: string }>(
    { kind: 'location', ghlLocationId },
    {
      method: 'POST',
      template: '/invoices/',
      path: '/invoices/',
      body: {
        altId: ghlLocationId,
        altType: 'location',
        name: 'Reconciled work',
        currency: 'USD',
        issueDate: new Date().toISOString().slice(0, 10),
        businessDetails: { name: 'Switchboard Test' },
        discount: { type: 'fixed', value: 0 },
        contactDetails: { id: contactGhlId },
        sentTo: { email: ['billing@example.test'] },
        liveMode: false,
        items: [{ name: 'Consultation', amount: 150, qty: 1, currency: 'USD' }],
      },
    },
  );
  if (!created.ok) throw new Error(`invoice not created: ${created.error.message}`);
  return created.data._id;
}

async function ghlIdsOf(table: 'contacts' | 'opportunities', limit: number): Promise<string[]> {
  const rows = await queryRows<{ ghlId: string }>(app.database.db, sql`select ghl_id as "ghlId" from ${sql.identifier(table)} where location_id = ${locationId} and deleted_at is null order by ghl_id limit ${limit}`);
  return rows.map((found) => found.ghlId);
}

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 53, locations: 1, contacts: 30, quirks: { sendLegacyRsaSignature: false } });
  ghlLocationId = sandbox.locationIds[0] as string;
  app = await createTestApp({ sandbox });
  if (!app.ghl) throw new Error('the sandbox-wired app has no GHL');
  client = app.ghl.client;
  stopWorkers = await startLiveApp(app, sandbox);
  agency = await createAgency(app, 0);
  await app.database.system((tx) => tx.execute(sql`update companies set ghl_company_id = ${sandbox.companyId} where id = ${agency.companyId}`));
  locationId = (await installLocation()).locationId;
  await waitFor(async () => {
    const found = await row<{ status: string }>(sql`select status from runs where kind = 'setup-sync' and location_id = ${locationId} order by created_at desc limit 1`);
    return found?.status === 'done' ? true : undefined;
  }, 90_000, 'setup sync');
  await waitForWebhooksProcessed();
}, 120_000);

afterAll(async () => {
  await stopWorkers?.();
  await app?.close();
  await sandbox?.close();
});

describe('reconciliation', () => {
  it('repairs what dropped webhooks missed and reports the share that had arrived by webhook', async () => {
    const [contactA, contactB, contactC] = await ghlIdsOf('contacts', 3) as [string, string, string];
    const [opportunityA, opportunityB] = await ghlIdsOf('opportunities', 2) as [string, string];
    const calendar = await row<{ ghlId: string }>(sql`select ghl_id as "ghlId" from ghl_calendars where location_id = ${locationId} order by ghl_id limit 1`);
    if (!calendar) throw new Error('no calendar synced');
    // Phase A, webhooks delivered: one change of each entity arrives by webhook.
    await sandboxPost('/sandbox/simulate/edit-contact', { contactId: contactA, changes: { companyName: 'Arrived Ltd' } });
    await sandboxPost('/sandbox/simulate/move-opportunity', { opportunityId: opportunityA });
    const startAt = Date.now() + 2 * DAY_MS;
    const appointmentA = await client.createAppointment(ghlLocationId, { calendarId: calendar.ghlId, contactId: contactA, startTime: new Date(startAt).toISOString(), ignoreFreeSlotValidation: true, title: 'A' });
    const appointmentB = await client.createAppointment(ghlLocationId, { calendarId: calendar.ghlId, contactId: contactB, startTime: new Date(startAt + DAY_MS).toISOString(), ignoreFreeSlotValidation: true, title: 'B' });
    if (!appointmentA.ok || !appointmentB.ok) throw new Error('appointments not created');
    await sandboxPost('/sandbox/simulate/inbound-message', { contactId: contactA, body: 'arrived by webhook' });
    const invoiceA = await createInvoice(contactA);
    const invoiceB = await createInvoice(contactB);
    await waitForWebhooksProcessed();
    expect(await row(sql`select 1 from invoices where location_id = ${locationId} and ghl_id = ${invoiceB}`)).toBeDefined();
    expect(await row(sql`select 1 from invoices where location_id = ${locationId} and ghl_id = ${invoiceA}`)).toBeDefined();

    // Phase B, every webhook dropped: the same kinds of change never reach us.
    await sandboxPost('/sandbox/faults', { locationId: ghlLocationId, webhookDropRate: 1 });
    const droppedBefore = (await (await fetch(`${sandbox.baseUrl}/sandbox/stats`)).json()) as { webhooksDropped: number };
    await sandboxPost('/sandbox/simulate/edit-contact', { contactId: contactB, changes: { companyName: 'Repaired Ltd' } });
    const moved = await sandboxPost('/sandbox/simulate/move-opportunity', { opportunityId: opportunityB, status: 'won' });
    const updated = await client.updateAppointment(ghlLocationId, appointmentB.data.id, { title: 'B moved' });
    expect(updated.ok).toBe(true);
    const inbound = await sandboxPost('/sandbox/simulate/inbound-message', { contactId: contactB, body: 'dropped webhook' });
    const email = await client.sendMessage(ghlLocationId, { type: 'Email', contactId: contactC, html: '<p>dropped email</p>', subject: 'Hello' });
    if (!email.ok) throw new Error('email not sent');
    const paid = await client.call(
      { kind: 'location', ghlLocationId },
      { method: 'POST', template: '/invoices/{invoiceId}/record-payment', path: `/invoices/${invoiceB}/record-payment`, body: { altId: ghlLocationId, altType: 'location', mode: 'cash', card: {}, cheque: {}, notes: '' } },
    );
    expect(paid.ok).toBe(true);
    await sandboxPost('/sandbox/webhooks/wait-idle', {});
    const droppedAfter = (await (await fetch(`${sandbox.baseUrl}/sandbox/stats`)).json()) as { webhooksDropped: number };
    expect(droppedAfter.webhooksDropped - droppedBefore.webhooksDropped).toBeGreaterThanOrEqual(6);
    expect((await row<{ companyName: string | null }>(sql`select company_name as "companyName" from contacts where location_id = ${locationId} and ghl_id = ${contactB}`))?.companyName).not.toBe('Repaired Ltd');

    // A location admin starts a run; a second request while it is open gets the same run.
    const [first, second] = await Promise.all([0, 1].map(() => app.app.inject({ method: 'POST', url: `/api/sync/reconciliation/${locationId}`, headers: bearer(agency.token) })));
    expect(first?.statusCode).toBe(202);
    expect(second?.statusCode).toBe(202);
    const requested = [first, second].map((response) => response?.json<{ runId: string; jobId: string; isNew: boolean }>());
    expect(requested[0]?.runId).toBe(requested[1]?.runId);
    expect(requested.map((body) => body?.isNew).sort()).toEqual([false, true]);
    const run = await waitForRun(requested[0]?.runId as string);

    expect(run.status).toBe('done');
    expect(run.jobId).toBe(requested[0]?.jobId);
    expect(entityFigures(run)).toEqual({
      contacts: { listed: 2, repaired: 1, unapplied: 0, status: 'done' },
      opportunities: { listed: 2, repaired: 1, unapplied: 0, status: 'done' },
      appointments: { listed: 2, repaired: 1, unapplied: 0, status: 'done' },
      messages: { listed: 3, repaired: 2, unapplied: 0, status: 'done' },
      invoices: { listed: 2, repaired: 1, unapplied: 0, status: 'done' },
      // Not due: the first contact-id sweep comes a day after the setup sync.
      'contact-deletions': { listed: 0, repaired: 0, unapplied: 0, status: 'done' },
    });
    expect(run.listed).toBe(11);
    expect(run.repaired).toBe(6);
    expect(run.coverage).toBeCloseTo(5 / 11, 10);
    expect(run.entities.find((entity) => entity.name === 'messages')?.coverage).toBeCloseTo(1 / 3, 10);
    expect(run.entities.find((entity) => entity.name === 'contacts')?.coverage).toBe(0.5);

    // Our rows now match GHL.
    const contact = await client.getContact(ghlLocationId, contactB);
    if (!contact.ok) throw new Error('contact not readable');
    expect((contact.data.contact as unknown as Record<string, unknown>)['companyName']).toBe('Repaired Ltd');
    expect((await row<{ companyName: string | null }>(sql`select company_name as "companyName" from contacts where location_id = ${locationId} and ghl_id = ${contactB}`))?.companyName).toBe('Repaired Ltd');
    const opportunity = await row<{ stage: string; status: string }>(sql`select pipeline_stage_id as stage, status from opportunities where location_id = ${locationId} and ghl_id = ${opportunityB}`);
    expect(opportunity).toEqual({ stage: moved['pipelineStageId'], status: 'won' });
    expect((await row<{ title: string }>(sql`select title from appointments where location_id = ${locationId} and ghl_id = ${appointmentB.data.id}`))?.title).toBe('B moved');
    expect(await row(sql`select 1 from messages where location_id = ${locationId} and ghl_id = ${String(inbound['messageId'])}`)).toBeDefined();
    expect((await row<{ messageType: string }>(sql`select message_type as "messageType" from messages where location_id = ${locationId} and ghl_id = ${email.data.messageId}`))?.messageType).toBe('Email');
    const invoice = await row<{ status: string; amountDueCents: number }>(sql`select status, amount_due_cents::int as "amountDueCents" from invoices where location_id = ${locationId} and ghl_id = ${invoiceB}`);
    expect(invoice).toEqual({ status: 'paid', amountDueCents: 0 });

    // The checkpoints moved to the newest change GHL listed.
    const view = await readView();
    expect(view.latest?.id).toBe(run.id);
    const contactsCheckpoint = view.checkpoints.find((checkpoint) => checkpoint.entity === 'contacts')?.checkpointAt;
    expect(contactsCheckpoint).toBe(contact.data.contact.dateUpdated);
    const metrics = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('switchboard_ghl_reconcile_records_total{entity="messages",outcome="repaired"} 2');

    // Webhooks delivered again: the scheduled job finds nothing missed.
    await fetch(`${sandbox.baseUrl}/sandbox/faults`, { method: 'DELETE' });
    await sandboxPost('/sandbox/simulate/edit-contact', { contactId: contactC, changes: { companyName: 'Arrived again' } });
    await waitForWebhooksProcessed();
    const scheduled = app.scheduledJobs.find((job) => job.name === RECONCILE_SCHEDULED_JOB_NAME);
    expect(scheduled).toBeDefined();
    expect(await scheduled?.run()).toEqual({ locations: 1, enqueued: 1 });
    const next = await waitFor(async () => {
      const latest = (await readView()).latest;
      return latest && latest.id !== run.id && latest.isFinished ? latest : undefined;
    }, 60_000, 'scheduled reconciliation');
    expect(next.trigger).toBe('scheduled');
    expect(next.status).toBe('done');
    expect(next.repaired).toBe(0);
    expect(next.listed).toBe(1);
    expect(next.coverage).toBe(1);
    expect(entityFigures(next)['contacts']).toEqual({ listed: 1, repaired: 0, unapplied: 0, status: 'done' });
    // It started from the first run's checkpoints, minus the overlap.
    const nextContacts = next.entities.find((entity) => entity.name === 'contacts');
    expect(nextContacts?.previousCheckpointAt).toBe(contactsCheckpoint);
    expect(Date.parse(contactsCheckpoint ?? '') - Date.parse(nextContacts?.sinceAt ?? '')).toBe(300_000);
  }, 180_000);

  it('one failing entity does not stop the others and keeps its checkpoint', async () => {
    const before = (await readView()).checkpoints;
    // A consent without the invoices scope (a real-world misconfiguration): only the invoice listing fails.
    const fullScope = await replaceLocationToken();
    await replaceLocationToken(fullScope.split(' ').filter((scope) => scope !== 'invoices.readonly').join(' '));
    try {
      const response = await app.app.inject({ method: 'POST', url: `/api/sync/reconciliation/${locationId}`, headers: bearer(agency.token) });
      expect(response.statusCode).toBe(202);
      const run = await waitForRun(response.json<{ runId: string }>().runId);
      expect(run.status).toBe('partial');
      const statuses = Object.fromEntries(run.entities.map((entity) => [entity.name, entity.status]));
      expect(statuses).toEqual({ contacts: 'done', opportunities: 'done', appointments: 'done', messages: 'done', invoices: 'failed', 'contact-deletions': 'done' });
      expect(run.entities.find((entity) => entity.name === 'invoices')?.error).toMatch(/GET \/invoices\/ answered 401/);
      expect(run.coverage).toBe(1);
      const after = (await readView()).checkpoints;
      expect(after.find((checkpoint) => checkpoint.entity === 'invoices')).toEqual(before.find((checkpoint) => checkpoint.entity === 'invoices'));
    } finally {
      await replaceLocationToken(fullScope);
    }
  }, 120_000);

  it('is tenant-scoped: no credentials 401, bad id 400, another agency 404, a location member 403 on POST', async () => {
    expect((await app.app.inject({ method: 'GET', url: `/api/sync/reconciliation/${locationId}` })).statusCode).toBe(401);
    expect((await app.app.inject({ method: 'POST', url: `/api/sync/reconciliation/${locationId}` })).statusCode).toBe(401);
    expect((await app.app.inject({ method: 'GET', url: '/api/sync/reconciliation/bad%20id!', headers: bearer(agency.token) })).statusCode).toBe(400);
    const other = await createAgency(app, 0);
    const foreignGet = await app.app.inject({ method: 'GET', url: `/api/sync/reconciliation/${locationId}`, headers: bearer(other.token) });
    expect(foreignGet.statusCode).toBe(404);
    expect(foreignGet.json().error.code).toBe('not_found');
    expect((await app.app.inject({ method: 'POST', url: `/api/sync/reconciliation/${locationId}`, headers: bearer(other.token) })).statusCode).toBe(404);
    const member = await createLocationUser(app, agency.token, locationId, 'location_member');
    expect((await readView(member.token)).locationId).toBe(locationId);
    const refused = await app.app.inject({ method: 'POST', url: `/api/sync/reconciliation/${locationId}`, headers: bearer(member.token) });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('forbidden');
  });
});
