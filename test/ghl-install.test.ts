import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { queryRows } from '../src/platform/db/index.js';
import { bearer, createTestApp, startLiveApp, TEST_GHL_REDIRECT_URI, type TestApp } from './support/test-app.js';
import { createAgency } from './support/factories.js';
import { waitFor } from './support/spawn-service.js';

let sandbox: SandboxHandle;
let app: TestApp;
let stopWorkers: () => Promise<void>;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 11, locations: 3, contacts: 20 });
  app = await createTestApp({ sandbox });
  stopWorkers = await startLiveApp(app, sandbox);
});

afterAll(async () => {
  await stopWorkers();
  await app.close();
  await sandbox.close();
});

/** Approves the consent page the install URL points at and returns our callback's query. */
async function approveConsent(installUrl: string, form: Record<string, string | string[]>) {
  const url = new URL(installUrl);
  expect(`${url.origin}${url.pathname}`).toBe(sandbox.authorizeUrl);
  expect(url.searchParams.get('redirect_uri')).toBe(TEST_GHL_REDIRECT_URI);
  const body = new URLSearchParams({ client_id: url.searchParams.get('client_id') ?? '', redirect_uri: url.searchParams.get('redirect_uri') ?? '', state: url.searchParams.get('state') ?? '', companyId: sandbox.companyId });
  for (const [key, value] of Object.entries(form)) for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
  const approval = await fetch(`${sandbox.baseUrl}/oauth/chooselocation/approve`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' });
  expect(approval.status).toBe(302);
  const redirect = new URL(approval.headers.get('location') ?? '');
  return { code: redirect.searchParams.get('code') ?? '', state: redirect.searchParams.get('state') ?? undefined };
}

async function eventStatus(type: string): Promise<string[]> {
  const rows = await queryRows<{ status: string }>(app.database.db, sql`select status from webhook_events where event_type = ${type}`);
  return rows.map((row) => row.status);
}

describe('GHL marketplace install through the public API', () => {
  it('installs an agency (Company) with all its locations, converges with the INSTALL webhook, and uninstalls keeping data', async () => {
    const agency = await createAgency(app, 0);
    const started = await app.app.inject({ method: 'GET', url: '/api/oauth/install?userType=Company&redirect=false', headers: bearer(agency.token) });
    expect(started.statusCode).toBe(200);
    const { code, state } = await approveConsent(started.json<{ url: string }>().url, { user_type: 'Company' });
    expect(state).toBeDefined();

    const callback = await app.app.inject({ method: 'GET', url: `/api/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state ?? '')}` });
    if (callback.statusCode !== 200) console.error(app.logs.filter((line) => line.includes('"level":50')).join('\n'));
    expect(callback.statusCode).toBe(200);
    const installed = callback.json<{ userType: string; companyId: string; locations: { ghlLocationId: string; locationId: string }[]; failedLocations: unknown[] }>();
    expect(installed.userType).toBe('Company');
    expect(installed.companyId).toBe(agency.companyId);
    expect(installed.locations.map((location) => location.ghlLocationId).sort()).toEqual([...sandbox.locationIds].sort());
    expect(installed.failedLocations).toEqual([]);

    // The sandbox also sends INSTALL webhooks; processing them must not create a second installation.
    await waitFor(async () => ((await eventStatus('INSTALL')).length > 0 && (await eventStatus('INSTALL')).every((status) => status === 'done' || status === 'skipped') ? true : undefined), 20_000, 'INSTALL processed');
    const listed = await app.app.inject({ method: 'GET', url: '/api/ghl/installations', headers: bearer(agency.token) });
    expect(listed.statusCode).toBe(200);
    const items = listed.json<{ items: { installType: string; status: string; ghlLocationId: string | null; token: { status: string } | null }[] }>().items;
    expect(items.filter((item) => item.installType === 'Location')).toHaveLength(sandbox.locationIds.length);
    expect(items.filter((item) => item.installType === 'Company')).toHaveLength(1);
    expect(items.every((item) => item.status === 'installed' && item.token?.status === 'active')).toBe(true);
    expect(listed.body).not.toMatch(/access_token|refresh_token/);

    const locations = await app.app.inject({ method: 'GET', url: '/api/locations', headers: bearer(agency.token) });
    expect(locations.json<{ items: { ghlLocationId: string | null }[] }>().items.map((item) => item.ghlLocationId).sort()).toEqual([...sandbox.locationIds].sort());

    // Each installed location gets its setup sync (enqueued with the install), visible through the API.
    for (const location of installed.locations) {
      const progress = await waitFor(async () => {
        const response = await app.app.inject({ method: 'GET', url: `/api/sync/progress/${location.locationId}`, headers: bearer(agency.token) });
        const body = response.json<{ runs: { status: string }[] }>();
        const status = body.runs[0]?.status;
        return status === 'done' || status === 'partial' || status === 'failed' ? body : undefined;
      }, 60_000, 'setup sync');
      expect(progress.runs[0]?.status).toBe('done');
      const contacts = await app.app.inject({ method: 'GET', url: `/api/locations/${location.locationId}/contacts?limit=100`, headers: bearer(agency.token) });
      expect(contacts.statusCode).toBe(200);
      expect(contacts.json<{ total: number }>().total).toBe(20);
    }

    // A token from the vault works against GHL, and every GHL call is counted by endpoint and status.
    const ghlLocationId = sandbox.locationIds[0] as string;
    expect((await app.ghl?.client.getLocation(ghlLocationId))?.ok).toBe(true);
    const metrics = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain('switchboard_outbound_requests_total{service="ghl",endpoint="POST /oauth/token",status="200"} 1');
    expect(metrics).toContain('switchboard_outbound_requests_total{service="ghl",endpoint="GET /locations/{locationId}",status="200"}');

    // Another agency sees none of it.
    const other = await createAgency(app, 0);
    const foreign = await app.app.inject({ method: 'GET', url: '/api/ghl/installations', headers: bearer(other.token) });
    expect(foreign.json<{ items: unknown[] }>().items).toEqual([]);

    // Uninstall one location: tokens deleted, installation marked, data kept.
    const secretsBefore = await queryRows<{ total: number }>(app.database.db, sql`select count(*)::int as total from vault_secrets`);
    const uninstall = await fetch(`${sandbox.baseUrl}/sandbox/uninstall`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locationId: ghlLocationId }) });
    expect(uninstall.status).toBe(200);
    await waitFor(async () => {
      const statuses = await eventStatus('UNINSTALL');
      return statuses.length > 0 && statuses.every((status) => status === 'done') ? true : undefined;
    }, 20_000, 'UNINSTALL processed');
    const after = await app.app.inject({ method: 'GET', url: '/api/ghl/installations', headers: bearer(agency.token) });
    const uninstalled = after.json<{ items: { ghlLocationId: string | null; status: string; installType: string }[] }>().items.find((item) => item.installType === 'Location' && item.ghlLocationId === ghlLocationId);
    expect(uninstalled?.status).toBe('uninstalled');
    const secretsAfter = await queryRows<{ total: number }>(app.database.db, sql`select count(*)::int as total from vault_secrets`);
    expect((secretsBefore[0]?.total ?? 0) - (secretsAfter[0]?.total ?? 0)).toBe(2);
    const stillThere = await app.app.inject({ method: 'GET', url: '/api/locations', headers: bearer(agency.token) });
    expect(stillThere.json<{ total: number }>().total).toBe(sandbox.locationIds.length);
  });

  it('refuses a forged state and a reused code with clear errors, storing nothing', async () => {
    const before = await queryRows<{ total: number }>(app.database.db, sql`select count(*)::int as total from ghl_tokens`);
    const forged = await app.app.inject({ method: 'GET', url: '/api/oauth/callback?code=whatever&state=not-a-state' });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.code).toBe('state_invalid');
    const unknownCode = await app.app.inject({ method: 'GET', url: '/api/oauth/callback?code=not-a-real-code' });
    expect(unknownCode.statusCode).toBe(400);
    expect(unknownCode.json().error.code).toBe('code_rejected');
    const missing = await app.app.inject({ method: 'GET', url: '/api/oauth/callback' });
    expect(missing.statusCode).toBe(400);
    const after = await queryRows<{ total: number }>(app.database.db, sql`select count(*)::int as total from ghl_tokens`);
    expect(after[0]?.total).toBe(before[0]?.total);
  });

  it('shows the installing browser a result page, or sends it to GHL_INSTALL_DONE_URL', async () => {
    // Started from the marketplace (no Switchboard login): the GHL agency installed above is reused.
    const started = await app.app.inject({ method: 'GET', url: '/api/oauth/install?userType=Company&redirect=false' });
    const { code, state } = await approveConsent(started.json<{ url: string }>().url, { user_type: 'Company' });
    const browser = { accept: 'text/html,application/xhtml+xml' };
    const page = await app.app.inject({ method: 'GET', url: `/api/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state ?? '')}`, headers: browser });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toContain(`${sandbox.locationIds.length} locations connected`);
    const failed = await app.app.inject({ method: 'GET', url: '/api/oauth/callback?code=x&state=%3Cscript%3E', headers: browser });
    expect(failed.statusCode).toBe(400);
    expect(failed.body).toContain('did not complete');
    expect(failed.body).not.toContain('<script>');

    const withDoneUrl = await createTestApp({ sandbox, env: { GHL_INSTALL_DONE_URL: 'https://app.example.com/ghl/installed' } });
    try {
      const redirected = await withDoneUrl.app.inject({ method: 'GET', url: '/api/oauth/callback?code=x&state=forged', headers: browser });
      expect(redirected.statusCode).toBe(302);
      expect(redirected.headers.location).toBe('https://app.example.com/ghl/installed?status=failed&error=state_invalid');
    } finally {
      await withDoneUrl.close();
    }
  });

  it('redirects an unauthenticated install to the consent page', async () => {
    const response = await app.app.inject({ method: 'GET', url: '/api/oauth/install' });
    expect(response.statusCode).toBe(302);
    expect(response.headers.location).toContain(sandbox.authorizeUrl);
    expect(response.headers.location).toContain('state=');
  });
});
