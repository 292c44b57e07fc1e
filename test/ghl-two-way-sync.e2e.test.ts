import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { queryRows } from '../src/platform/db/index.js';
import type { GhlClient } from '../src/modules/ghl/index.js';
import { bearer, createTestApp, expectCleanEnd, startLiveApp, type TestApp } from './support/test-app.js';
import { checkGhlExchanges } from './support/ghl-contract.js';
import { createAgency } from './support/factories.js';
import { waitFor } from './support/spawn-service.js';

/*
 * Issue 5 point 8, on whichever engine the suite runs (CI: PGlite and PostgreSQL): an agency installs
 * the app with two locations of 1,000 contacts each → setup completes → a local edit reaches GHL →
 * a GHL edit reaches us by webhook → a dropped webhook is repaired by reconciliation → both sides
 * match record for record → uninstall keeps the data.
 */

const CONTACTS_PER_LOCATION = 1000;
let sandbox: SandboxHandle;
let app: TestApp;
let stopWorkers: () => Promise<void>;
let token = '';
let installed: { ghlLocationId: string; locationId: string }[] = [];

const client = (): GhlClient => {
  if (!app.ghl) throw new Error('no GHL client');
  return app.ghl.client;
};

async function call<T>(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown) {
  const response = await app.app.inject({ method, url, headers: bearer(token), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  return { status: response.statusCode, body: response.json<T>() };
}

async function rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return queryRows<T>(app.database.db, query);
}

async function sandboxControl(path: string, body: unknown) {
  const response = await fetch(`${sandbox.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
  return response.json() as Promise<Record<string, unknown>>;
}

async function webhooksProcessed() {
  await fetch(`${sandbox.baseUrl}/sandbox/webhooks/wait-idle`, { method: 'POST' });
  await waitFor(
    async () => {
      const [open] = await rows<{ total: number }>(sql`select count(*)::int as total from webhook_events where status in ('pending', 'running', 'retry')`);
      return open?.total === 0 ? true : undefined;
    },
    30_000,
    'the webhook inbox to drain',
  );
}

/** Every contact of a GHL location, by cursor paging (the way GHL asks integrations to list). */
async function listGhlContacts(ghlLocationId: string) {
  const all: Record<string, unknown>[] = [];
  let searchAfter: unknown[] | undefined;
  for (;;) {
    const page = await client().searchContacts(ghlLocationId, { pageLimit: 500, ...(searchAfter ? { searchAfter } : {}), sort: [{ field: 'dateAdded', direction: 'asc' }] });
    if (!page.ok) throw new Error(page.error.message);
    all.push(...(page.data.contacts as unknown as Record<string, unknown>[]));
    const last = page.data.contacts.at(-1);
    if (page.data.contacts.length < 500 || !last?.searchAfter) return all;
    searchAfter = last.searchAfter;
  }
}

async function listGhlOpportunities(ghlLocationId: string) {
  const all: Record<string, unknown>[] = [];
  let cursor: { startAfter?: string; startAfterId?: string } = {};
  for (;;) {
    const page = await client().searchOpportunities(ghlLocationId, { limit: 100, status: 'all', ...cursor });
    if (!page.ok) throw new Error(page.error.message);
    all.push(...(page.data.opportunities as unknown as Record<string, unknown>[]));
    const meta = page.data.meta;
    if (page.data.opportunities.length < 100 || !meta?.startAfterId) return all;
    cursor = { startAfter: String(meta.startAfter), startAfterId: meta.startAfterId };
  }
}

/** The agency admin installs the app on the GHL agency (all its locations) through OAuth. */
async function installAgency(): Promise<{ ghlLocationId: string; locationId: string }[]> {
  const started = await call<{ url: string }>('GET', '/api/oauth/install?userType=Company&redirect=false');
  const url = new URL(started.body.url);
  const form = new URLSearchParams({ client_id: url.searchParams.get('client_id') ?? '', redirect_uri: url.searchParams.get('redirect_uri') ?? '', state: url.searchParams.get('state') ?? '', companyId: sandbox.companyId, user_type: 'Company' });
  const approval = await fetch(`${sandbox.baseUrl}/oauth/chooselocation/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, redirect: 'manual' });
  const redirect = new URL(approval.headers.get('location') ?? '');
  const callback = await app.app.inject({ method: 'GET', url: `/api/oauth/callback?code=${encodeURIComponent(redirect.searchParams.get('code') ?? '')}&state=${encodeURIComponent(redirect.searchParams.get('state') ?? '')}` });
  expect(callback.statusCode).toBe(200);
  return callback.json<{ locations: { ghlLocationId: string; locationId: string }[] }>().locations;
}

const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
/** Byte order, the same on both sides (SQL collations and localeCompare differ). */
const byGhlId = (a: { ghlId: unknown }, b: { ghlId: unknown }) => (String(a.ghlId) < String(b.ghlId) ? -1 : String(a.ghlId) > String(b.ghlId) ? 1 : 0);

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 5, locations: 2, contacts: CONTACTS_PER_LOCATION, opportunities: 150, appointments: 60, conversations: 40, invoices: 20 });
  // Contact ids are swept on every reconciliation here (default: daily), so a missed delete is repaired at once.
  app = await createTestApp({ sandbox, env: { GHL_CONTACT_DELETION_SWEEP_HOURS: '0' } });
  stopWorkers = await startLiveApp(app, sandbox);
}, 60_000);

afterAll(async () => {
  await stopWorkers?.();
  await app?.close();
  await sandbox?.close();
});

describe('two-way sync with GHL, end to end', () => {
  it('installs an agency with two locations and completes both setups', async () => {
    const agency = await createAgency(app, 0);
    token = agency.token;
    installed = await installAgency();
    expect(installed).toHaveLength(2);
    for (const location of installed) {
      const progress = await waitFor(
        async () => {
          const { body } = await call<{ runs: { status: string; steps: { name: string; status: string }[] }[] }>('GET', `/api/sync/progress/${location.locationId}`);
          const status = body.runs[0]?.status;
          return status === 'done' || status === 'partial' || status === 'failed' ? body.runs[0] : undefined;
        },
        120_000,
        'setup sync',
      );
      expect(progress?.status).toBe('done');
      const contacts = await call<{ total: number }>('GET', `/api/locations/${location.locationId}/contacts?limit=1`);
      expect(contacts.body.total).toBe(CONTACTS_PER_LOCATION);
    }
    await webhooksProcessed();
  }, 300_000);

  it('pushes a local edit to GHL', async () => {
    const [first] = installed;
    if (!first) throw new Error('not installed');
    const { body: page } = await call<{ items: { id: string; ghlId: string }[] }>('GET', `/api/locations/${first.locationId}/contacts?limit=1&sort=dateAdded&order=asc`);
    const contact = page.items[0] as { id: string; ghlId: string };
    const edited = await call<{ sync: { state: string } }>('PATCH', `/api/locations/${first.locationId}/contacts/${contact.id}`, { companyName: 'Edited in Switchboard', tags: ['e2e'] });
    expect(edited.status).toBe(200);
    await waitFor(
      async () => {
        const { body } = await call<{ sync: { state: string } }>('GET', `/api/locations/${first.locationId}/contacts/${contact.id}`);
        return body.sync.state === 'synced' ? true : undefined;
      },
      20_000,
      'the push to be confirmed',
    );
    const remote = await client().getContact(first.ghlLocationId, contact.ghlId);
    expect(remote.ok && remote.data.contact).toMatchObject({ companyName: 'Edited in Switchboard', tags: ['e2e'] });
  });

  it('applies a GHL edit that arrives by webhook', async () => {
    const [, second] = installed;
    if (!second) throw new Error('not installed');
    const [target] = await rows<{ ghlId: string }>(sql`select ghl_id as "ghlId" from contacts where location_id = ${second.locationId} order by ghl_id limit 1`);
    await sandboxControl('/sandbox/simulate/edit-contact', { contactId: target?.ghlId, changes: { firstName: 'Edited', lastName: 'In GHL' } });
    await webhooksProcessed();
    const [stored] = await rows<{ firstName: string; lastName: string }>(sql`select first_name as "firstName", last_name as "lastName" from contacts where location_id = ${second.locationId} and ghl_id = ${target?.ghlId}`);
    expect(stored).toEqual({ firstName: 'Edited', lastName: 'In GHL' });
  });

  it('repairs dropped webhooks by reconciliation and reports the coverage', async () => {
    const [first] = installed;
    if (!first) throw new Error('not installed');
    const targets = await rows<{ ghlId: string }>(sql`select ghl_id as "ghlId" from contacts where location_id = ${first.locationId} order by ghl_id desc limit 3`);
    const [opportunity] = await rows<{ ghlId: string }>(sql`select ghl_id as "ghlId" from opportunities where location_id = ${first.locationId} and deleted_at is null order by ghl_id limit 1`);
    const doomedOpportunity = opportunity?.ghlId as string;
    const [contact] = await rows<{ ghlId: string }>(sql`select ghl_id as "ghlId" from contacts where location_id = ${first.locationId} and deleted_at is null order by ghl_id limit 1`);
    const doomedContact = contact?.ghlId as string;
    sandbox.setFaults({ webhookDropRate: 1 }, first.ghlLocationId);
    try {
      for (const [index, target] of targets.entries()) {
        await sandboxControl('/sandbox/simulate/edit-contact', { contactId: target.ghlId, changes: { companyName: `Missed ${index}` } });
      }
      // Another app deletes an opportunity and a contact in GHL; their delete webhooks are lost too.
      expect((await client().deleteOpportunity(first.ghlLocationId, doomedOpportunity)).ok).toBe(true);
      expect((await client().deleteContact(first.ghlLocationId, doomedContact)).ok).toBe(true);
      await webhooksProcessed();
    } finally {
      sandbox.setFaults({}, first.ghlLocationId);
    }
    const missed = await rows<{ companyName: string | null }>(sql`select company_name as "companyName" from contacts where location_id = ${first.locationId} and company_name like 'Missed %'`);
    expect(missed).toHaveLength(0);

    const requested = await call<Record<string, unknown>>('POST', `/api/sync/reconciliation/${first.locationId}`);
    expect(requested.status).toBe(202);
    const run = await waitFor(
      async () => {
        const { body } = await call<{ latest: { isFinished: boolean; status: string; listed: number; repaired: number; coverage: number; entities: { name: string; repaired: number }[] } | null }>('GET', `/api/sync/reconciliation/${first.locationId}`);
        return body.latest?.isFinished ? body.latest : undefined;
      },
      60_000,
      'the reconciliation run',
    );
    expect(run.status).toBe('done');
    expect(run.entities.find((entity) => entity.name === 'contacts')?.repaired).toBeGreaterThanOrEqual(3);
    expect(run.coverage).toBeLessThan(1);
    const repaired = await rows<{ companyName: string }>(sql`select company_name as "companyName" from contacts where location_id = ${first.locationId} and company_name like 'Missed %' order by company_name`);
    expect(repaired.map((row) => row.companyName)).toEqual(['Missed 0', 'Missed 1', 'Missed 2']);
    // The missed delete: GHL's complete listing no longer has it, GHL answers 404 for it, so it is tombstoned.
    expect(run.entities.find((entity) => entity.name === 'opportunities')?.repaired).toBe(1);
    const [tombstone] = await rows<{ deletedAt: unknown }>(sql`select deleted_at as "deletedAt" from opportunities where location_id = ${first.locationId} and ghl_id = ${doomedOpportunity}`);
    expect(tombstone?.deletedAt).not.toBeNull();
    expect(run.entities.find((entity) => entity.name === 'contact-deletions')?.repaired).toBe(1);
    const [deletedContact] = await rows<{ deletedAt: unknown }>(sql`select deleted_at as "deletedAt" from contacts where location_id = ${first.locationId} and ghl_id = ${doomedContact}`);
    expect(deletedContact?.deletedAt).not.toBeNull();
    const health = await call<{ reconciliation: { status: string; repaired: number; coverage: number } | null }>('GET', `/api/sync/health/${first.locationId}`);
    expect(health.body.reconciliation).toMatchObject({ status: 'done', repaired: run.repaired, coverage: run.coverage });
  }, 120_000);

  it('ends with both sides matching record for record', async () => {
    for (const location of installed) {
      const remoteContacts = await listGhlContacts(location.ghlLocationId);
      // One contact of the first location was deleted in GHL (and tombstoned here by reconciliation).
      expect(remoteContacts).toHaveLength(location === installed[0] ? CONTACTS_PER_LOCATION - 1 : CONTACTS_PER_LOCATION);
      const localContacts = await rows<{ ghlId: string; firstName: string | null; lastName: string | null; email: string | null; phone: string | null; companyName: string | null; tags: string[] }>(
        sql`select ghl_id as "ghlId", first_name as "firstName", last_name as "lastName", email, phone, company_name as "companyName", tags
          from contacts where location_id = ${location.locationId} and deleted_at is null order by ghl_id`,
      );
      const project = (contact: Record<string, unknown>) => ({
        ghlId: contact['id'],
        firstName: text(contact['firstName']),
        lastName: text(contact['lastName']),
        email: text(contact['email']),
        phone: text(contact['phone']),
        companyName: text(contact['companyName']),
        tags: [...((contact['tags'] as string[] | undefined) ?? [])].sort(),
      });
      const expected = remoteContacts.map(project).sort(byGhlId);
      const actual = localContacts
        .map((contact) => ({ ...contact, firstName: text(contact.firstName), lastName: text(contact.lastName), email: text(contact.email), phone: text(contact.phone), companyName: text(contact.companyName), tags: [...contact.tags].sort() }))
        .sort(byGhlId);
      expect(actual).toEqual(expected);

      const remoteOpportunities = await listGhlOpportunities(location.ghlLocationId);
      const localOpportunities = await rows<{ ghlId: string; status: string; stage: string; cents: number | string | null; name: string }>(
        sql`select ghl_id as "ghlId", status, pipeline_stage_id as "stage", monetary_value_cents as "cents", name from opportunities where location_id = ${location.locationId} and deleted_at is null order by ghl_id`,
      );
      expect(localOpportunities.map((row) => ({ ...row, cents: row.cents === null ? null : Number(row.cents) })).sort(byGhlId)).toEqual(
        remoteOpportunities
          .map((item) => ({ ghlId: item['id'], status: item['status'], stage: item['pipelineStageId'], cents: Math.round(Number(item['monetaryValue'] ?? 0) * 100), name: item['name'] }))
          .sort(byGhlId),
      );
    }
  }, 60_000);

  it('uninstalls: tokens deleted, installations marked, data kept; a reinstall sends edits kept meanwhile', async () => {
    const uninstall = await fetch(`${sandbox.baseUrl}/sandbox/uninstall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(uninstall.status).toBe(200);
    await webhooksProcessed();
    const { body } = await call<{ items: { status: string; installType: string }[] }>('GET', '/api/ghl/installations');
    expect(body.items.filter((item) => item.installType === 'Location').every((item) => item.status === 'uninstalled')).toBe(true);
    const [tokens] = await rows<{ total: number }>(sql`select count(*)::int as total from ghl_tokens where status = 'active'`);
    expect(tokens?.total).toBe(0);
    for (const location of installed) {
      const contacts = await call<{ total: number }>('GET', `/api/locations/${location.locationId}/contacts?limit=1`);
      expect(contacts.body.total).toBe(location === installed[0] ? CONTACTS_PER_LOCATION - 1 : CONTACTS_PER_LOCATION);
    }
    // An edit after the uninstall is kept, and the record says why it cannot reach GHL.
    const [second] = installed.slice(1);
    const { body: page } = await call<{ items: { id: string }[] }>('GET', `/api/locations/${second?.locationId}/contacts?limit=1`);
    const contactId = (page.items[0] as { id: string }).id;
    expect((await call('PATCH', `/api/locations/${second?.locationId}/contacts/${contactId}`, { companyName: 'After uninstall' })).status).toBe(200);
    const refused = await waitFor(
      async () => {
        const { body } = await call<{ companyName: string; sync: { state: string; error: string | null; pendingFields: string[] } }>('GET', `/api/locations/${second?.locationId}/contacts/${contactId}`);
        return body.sync.state === 'failed' ? body : undefined;
      },
      20_000,
      'the push to report the revoked access',
    );
    expect(refused).toMatchObject({ companyName: 'After uninstall', sync: { pendingFields: ['companyName'], error: expect.stringMatching(/missing or revoked/) } });

    // Reinstalling sends the kept edit to GHL.
    expect(await installAgency()).toHaveLength(2);
    await waitFor(
      async () => {
        const { body } = await call<{ sync: { state: string } }>('GET', `/api/locations/${second?.locationId}/contacts/${contactId}`);
        return body.sync.state === 'synced' ? true : undefined;
      },
      20_000,
      'the kept edit to reach GHL after the reinstall',
    );
    const [stored] = await rows<{ ghlId: string }>(sql`select ghl_id as "ghlId" from contacts where id = ${contactId}`);
    const remote = await client().getContact(second?.ghlLocationId as string, stored?.ghlId as string);
    expect(remote.ok && (remote.data.contact as unknown as Record<string, unknown>)['companyName']).toBe('After uninstall');
  }, 60_000);

  it('sent GHL only requests the official OpenAPI documents allow, and ends with no dead event, dead job or error log', async () => {
    await webhooksProcessed();
    const report = await checkGhlExchanges(app.ghlExchanges, sandbox.baseUrl);
    expect(report.failures).toEqual([]);
    expect(report.checked).toBeGreaterThan(50);
    // OAuth (code exchange, location tokens), setup sync, reconciliation and write-through all went through the product's clients.
    expect([...report.operations]).toEqual(
      expect.arrayContaining(['oauth:get-access-token', 'oauth:get-location-access-token', 'contacts:search-contacts-advanced', 'contacts:update-contact', 'opportunities:search-opportunity', 'calendars:get-calendars']),
    );
    await expectCleanEnd(app);
  });
});
