import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestApp, type TestApp } from '../../../../test/support/test-app.js';
import { buildGhlEvent, loadGhlExample, processGhlEventOrThrow } from '../../../../test/support/ghl-webhook-examples.js';
import { authorizeApp, startSandbox, type SandboxHandle } from '../../../sandbox/index.js';
import { queryRows } from '../../../platform/db/index.js';
import type { WebhookEvent } from '../../webhooks/index.js';
import { GhlReauthRequiredError } from '../index.js';

/*
 * The lifecycle processors as the app wires them: the real token store (vault secrets, GHL tokens),
 * the crm processors beside them, and every event through the real dispatcher step.
 */
let sandbox: SandboxHandle;
let app: TestApp;

beforeAll(async () => {
  sandbox = await startSandbox({ port: 0, seed: 23, locations: 1, contacts: 1 });
  app = await createTestApp({ sandbox });
});
afterAll(async () => {
  await app.close();
  await sandbox.close();
});

const tokens = () => {
  if (!app.ghl) throw new Error('the sandbox-wired app has no GHL');
  return app.ghl.tokens;
};

/** Real tokens (minted by the sandbox) stored for one of our subjects, as the OAuth callback stores them. */
async function storeTokens(subject: { userType: 'Location'; ghlLocationId: string; ghlCompanyId: string } | { userType: 'Company'; ghlCompanyId: string }) {
  const token = await authorizeApp(sandbox, { userType: subject.userType });
  await app.database.system(async (tx) => {
    const [tenant] = await queryRows<{ companyId: string; locationId: string | null }>(
      tx,
      subject.userType === 'Location'
        ? sql`select l.company_id as "companyId", l.id as "locationId" from locations l where l.ghl_location_id = ${subject.ghlLocationId}`
        : sql`select c.id as "companyId", null as "locationId" from companies c where c.ghl_company_id = ${subject.ghlCompanyId}`,
    );
    if (!tenant) throw new Error(`fixture: no tenant for ${JSON.stringify(subject)}`);
    await tokens().saveTokens(tx, {
      companyId: tenant.companyId,
      locationId: tenant.locationId,
      userType: subject.userType,
      ghlCompanyId: subject.ghlCompanyId,
      ghlLocationId: subject.userType === 'Location' ? subject.ghlLocationId : null,
      token,
    });
  });
}

/** The token row of a subject and whether its vault secrets still exist. */
async function tokenState(subjectKey: string) {
  const [row] = await queryRows<{ status: string; reason: string | null; hasAccess: boolean; hasRefresh: boolean; secrets: number }>(
    app.database.db,
    sql`select t.status, t.status_reason as reason, t.access_secret_id is not null as "hasAccess", t.refresh_secret_id is not null as "hasRefresh",
          (select count(*)::int from vault_secrets v where v.id in (t.access_secret_id, t.refresh_secret_id)) as secrets
        from ghl_tokens t where t.subject_key = ${subjectKey}`,
  );
  return row;
}

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const iso = (value: unknown) => (value === null ? null : new Date(value as string | Date).toISOString());

function delivered(eventType: string, payload: Record<string, unknown>, minute: number): WebhookEvent {
  return buildGhlEvent(eventType, { ...payload, timestamp: at(minute) });
}

/** Through the real dispatcher step (stale rule, lease, every subscribed processor, skip rule). */
async function process(event: WebhookEvent) {
  return processGhlEventOrThrow(app.database, app.processors, event);
}

async function installation(ghlTargetId: string) {
  const [row] = await queryRows<Record<string, unknown>>(
    app.database.db,
    sql`select i.*, c.name as company_name, c.ghl_company_id as company_ghl_id, l.ghl_location_id as location_ghl_id
      from ghl_installations i join companies c on c.id = i.company_id left join locations l on l.id = i.location_id
      where i.ghl_target_id = ${ghlTargetId}`,
  );
  return row;
}

describe('INSTALL', () => {
  it('records a location install from the OAuth-guide sample, creating the agency and location', async () => {
    const payload = loadGhlExample('AppInstall', 'OAuth 2.0');
    expect(await process(buildGhlEvent('INSTALL', payload))).toEqual({ status: 'done' });
    const row = await installation('HjiMUOsCCHCjtxzEf8PR');
    expect(row).toMatchObject({
      app_id: '665c6bb13d4e5364bdec0e2f',
      version_id: '665c6bb13d4e5364bdec0e2f',
      install_type: 'Location',
      status: 'installed',
      ghl_company_id: 'GNb7aIv4rQFVb9iwNl5K',
      ghl_location_id: 'HjiMUOsCCHCjtxzEf8PR',
      installed_by_ghl_user_id: 'Rg6BRRiHh7dS9gJy3W8a',
      company_name: 'Marketplace and Integrations Prod Agency',
      company_ghl_id: 'GNb7aIv4rQFVb9iwNl5K',
      location_ghl_id: 'HjiMUOsCCHCjtxzEf8PR',
      uninstalled_at: null,
    });
    expect(iso(row?.['installed_at'])).toBe('2025-06-25T06:57:06.225Z');
    // Same delivery again: nothing changes.
    expect(await process(buildGhlEvent('INSTALL', payload))).toMatchObject({ status: 'skipped' });
  });

  it('records agency-level installs with no location and without installType', async () => {
    const payload = loadGhlExample('AppInstall', 'Agency Level');
    expect(payload['installType']).toBeUndefined();
    expect(await process(delivered('INSTALL', { ...payload, companyId: 'agency-install' }, 1))).toEqual({ status: 'done' });
    expect(await installation('agency-install')).toMatchObject({ install_type: 'Company', location_id: null, ghl_location_id: null, plan_id: '66a0419a0dffa47fb5f8b22f', status: 'installed' });
  });

  it('retries a location install that names no company when the location is unknown', async () => {
    const payload = { ...loadGhlExample('AppInstall', 'non whitelabeled'), locationId: 'future-location' } as Record<string, unknown>;
    delete payload['companyId'];
    await expect(process(delivered('INSTALL', payload, 1))).rejects.toThrow(/^GhlInstallTargetUnknownError: /);
  });

  it('skips an INSTALL without appId as malformed', async () => {
    expect(await process(delivered('INSTALL', { type: 'INSTALL', locationId: 'x', companyId: 'y' }, 1))).toMatchObject({ status: 'skipped' });
  });
});

describe('UNINSTALL and reinstall', () => {
  it('marks the installation uninstalled, keeps every synced row, revokes tokens, and ignores a stale INSTALL', async () => {
    const install = { ...loadGhlExample('AppInstall', 'non whitelabeled'), locationId: 'loc-lifecycle', companyId: 'agency-lifecycle' };
    await process(delivered('INSTALL', install, 1));
    await process(delivered('ContactCreate', { ...loadGhlExample('ContactCreate'), locationId: 'loc-lifecycle' }, 2));
    await storeTokens({ userType: 'Location', ghlLocationId: 'loc-lifecycle', ghlCompanyId: 'agency-lifecycle' });
    expect(await tokenState('location:loc-lifecycle')).toMatchObject({ status: 'active', hasAccess: true, hasRefresh: true, secrets: 2 });
    const secretIds = (await queryRows<{ id: string }>(app.database.db, sql`select unnest(array[access_secret_id, refresh_secret_id]) as id from ghl_tokens where subject_key = 'location:loc-lifecycle'`)).map((secret) => secret.id);

    const uninstall = { ...loadGhlExample('AppUninstall', 'Location Level'), locationId: 'loc-lifecycle' };
    expect(await process(delivered('UNINSTALL', uninstall, 3))).toEqual({ status: 'done' });
    const row = await installation('loc-lifecycle');
    expect(row).toMatchObject({ status: 'uninstalled', plan_id: '66a0419a0dffa47fb5f8b22f' });
    expect(iso(row?.['uninstalled_at'])).toBe(at(3));
    // The real token store deleted both secrets in the uninstall's transaction, and refuses calls now.
    expect(secretIds).toHaveLength(2);
    const [secretCount] = await queryRows<{ total: number }>(app.database.db, sql`select count(*)::int as total from vault_secrets where id = any(${sql.param(secretIds)}::text[])`);
    expect(secretCount?.total).toBe(0);
    expect(await tokenState('location:loc-lifecycle')).toMatchObject({ status: 'revoked', reason: expect.stringContaining('UNINSTALL') as unknown, hasAccess: false, hasRefresh: false });
    await expect(tokens().getAccessToken({ kind: 'location', ghlLocationId: 'loc-lifecycle' })).rejects.toBeInstanceOf(GhlReauthRequiredError);
    const contacts = await queryRows(app.database.db, sql`select c.id from contacts c join locations l on l.id = c.location_id where l.ghl_location_id = 'loc-lifecycle'`);
    expect(contacts).toHaveLength(1);

    // Replayed or late INSTALL older than the uninstall: stays uninstalled.
    await process(delivered('INSTALL', install, 2));
    expect((await installation('loc-lifecycle'))?.['status']).toBe('uninstalled');
    expect(await process(delivered('UNINSTALL', uninstall, 3))).toMatchObject({ status: 'skipped' });

    // A real reinstall later.
    expect(await process(delivered('INSTALL', install, 10))).toEqual({ status: 'done' });
    const reinstalled = await installation('loc-lifecycle');
    expect(reinstalled).toMatchObject({ status: 'installed', uninstalled_at: null });
    expect(iso(reinstalled?.['installed_at'])).toBe(at(10));
  });

  it('uninstalling an agency app uninstalls its location installs too', async () => {
    const appId = 've9EPM428h8vShlRW1KT';
    await process(delivered('INSTALL', { ...loadGhlExample('AppInstall', 'Agency Level'), companyId: 'agency-cascade' }, 1));
    await process(delivered('INSTALL', { ...loadGhlExample('AppInstall', 'non whitelabeled'), companyId: 'agency-cascade', locationId: 'loc-cascade' }, 1));
    await storeTokens({ userType: 'Company', ghlCompanyId: 'agency-cascade' });
    await storeTokens({ userType: 'Location', ghlLocationId: 'loc-cascade', ghlCompanyId: 'agency-cascade' });
    expect(await process(delivered('UNINSTALL', { ...loadGhlExample('AppUninstall', 'Agency Level'), appId, companyId: 'agency-cascade' }, 5))).toEqual({ status: 'done' });
    expect((await installation('agency-cascade'))?.['status']).toBe('uninstalled');
    expect((await installation('loc-cascade'))?.['status']).toBe('uninstalled');
    for (const subject of ['company:agency-cascade', 'location:loc-cascade']) expect(await tokenState(subject), subject).toMatchObject({ status: 'revoked', secrets: 0 });
  });

  it('skips an UNINSTALL for a target never seen here', async () => {
    expect(await process(delivered('UNINSTALL', { ...loadGhlExample('AppUninstall'), locationId: 'never-seen' }, 1))).toMatchObject({ status: 'skipped' });
  });
});

describe('PLAN_CHANGE', () => {
  it('moves the plan forward only, and retries when the installation is not there yet', async () => {
    const plan = { ...loadGhlExample('PlanChange'), locationId: 'loc-plan', companyId: 'agency-plan' };
    await expect(process(delivered('PLAN_CHANGE', { ...plan, newPlanId: 'plan-2' }, 2))).rejects.toThrow(/^GhlInstallationNotFoundError: /);

    await process(delivered('INSTALL', { ...loadGhlExample('AppInstall', 'non whitelabeled'), locationId: 'loc-plan', companyId: 'agency-plan' }, 1));
    expect(await process(delivered('PLAN_CHANGE', { ...plan, newPlanId: 'plan-2' }, 3))).toEqual({ status: 'done' });
    expect((await installation('loc-plan'))?.['plan_id']).toBe('plan-2');
    expect(await process(delivered('PLAN_CHANGE', { ...plan, newPlanId: 'plan-old' }, 2))).toMatchObject({ status: 'skipped' });
    expect(await process(delivered('PLAN_CHANGE', { ...plan, newPlanId: 'plan-2' }, 3))).toMatchObject({ status: 'skipped' });
    // A replayed INSTALL carrying the original plan does not undo the change.
    await process(delivered('INSTALL', { ...loadGhlExample('AppInstall', 'non whitelabeled'), locationId: 'loc-plan', companyId: 'agency-plan' }, 1));
    expect((await installation('loc-plan'))?.['plan_id']).toBe('plan-2');
  });
});

describe('LocationCreate / LocationUpdate', () => {
  const locationRow = async (ghlLocationId: string) =>
    (await queryRows<{ name: string; timezone: string | null; company_ghl_id: string }>(
      app.database.db,
      sql`select l.name, l.timezone, c.ghl_company_id as company_ghl_id from locations l join companies c on c.id = l.company_id where l.ghl_location_id = ${ghlLocationId}`,
    ))[0];

  it('creates the location, renames it on update, and ignores a stale update', async () => {
    expect(await process(delivered('LocationCreate', loadGhlExample('LocationCreate'), 1))).toEqual({ status: 'done' });
    expect(await locationRow('ve9EPM428h8vShlRW1KT')).toEqual({ name: 'Loram ipsum', timezone: null, company_ghl_id: 'otg8dTQqGLh3Q6iQI55w' });

    await process(delivered('LocationUpdate', { ...loadGhlExample('LocationUpdate'), name: 'Renamed', timezone: 'Europe/Berlin' }, 3));
    await process(delivered('LocationUpdate', { ...loadGhlExample('LocationUpdate'), name: 'Stale name' }, 2));
    expect(await locationRow('ve9EPM428h8vShlRW1KT')).toMatchObject({ name: 'Renamed', timezone: 'Europe/Berlin' });

    // Contacts for the new location now process instead of waiting for an install.
    expect(await process(delivered('ContactCreate', loadGhlExample('ContactCreate'), 4))).toEqual({ status: 'done' });
  });

  it('renames a location first created by an INSTALL', async () => {
    await process(delivered('INSTALL', { ...loadGhlExample('AppInstall', 'non whitelabeled'), locationId: 'loc-renamed', companyId: 'agency-renamed' }, 1));
    await process(delivered('LocationUpdate', { ...loadGhlExample('LocationUpdate'), id: 'loc-renamed', companyId: 'agency-renamed', name: 'Real name' }, 2));
    expect((await locationRow('loc-renamed'))?.name).toBe('Real name');
  });
});

describe('tenant isolation', () => {
  it('shows an agency only its own installations', async () => {
    const [own] = await queryRows<{ company_id: string }>(app.database.db, sql`select company_id from ghl_installations where ghl_target_id = 'loc-plan'`);
    const [other] = await queryRows<{ company_id: string }>(app.database.db, sql`select company_id from ghl_installations where ghl_target_id = 'agency-cascade'`);
    const visible = (companyId: string) =>
      app.database.tenant({ companyId, locationIds: '*' }, async (tx) => queryRows<{ ghl_target_id: string }>(tx, sql`select ghl_target_id from ghl_installations`));
    expect((await visible(own?.company_id as string)).map((row) => row.ghl_target_id)).toEqual(['loc-plan']);
    expect((await visible(other?.company_id as string)).map((row) => row.ghl_target_id).sort()).toEqual(['agency-cascade', 'loc-cascade']);
  });
});
