import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../../test/support/test-database.js';
import { buildGhlEvent, loadGhlExample, processGhlEvent } from '../../../../test/support/ghl-webhook-examples.js';
import { queryRows, type Database, type Executor } from '../../../platform/db/index.js';
import { generateId } from '../../../platform/ids/ids.js';
import { systemClock } from '../../../platform/clock/clock.js';
import { createCrmWebhookSubscriptions } from '../../crm/index.js';
import { ProcessorRegistry, type WebhookEvent } from '../../webhooks/index.js';
import { createGhlLifecycleSubscriptions, GhlInstallTargetUnknownError, GhlInstallationNotFoundError } from '../index.js';

let database: Database;
const revokedSubjects: string[] = [];
const registry = new ProcessorRegistry();
registry.subscribeAll(createGhlLifecycleSubscriptions({
  generateId,
  clock: systemClock,
  tokens: {
    async revokeSubject(_tx: Executor, subjectKey: string) {
      revokedSubjects.push(subjectKey);
      return true;
    },
  },
}));
registry.subscribeAll(createCrmWebhookSubscriptions({ generateId, clock: systemClock }));

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 0, minute)).toISOString();
const iso = (value: unknown) => (value === null ? null : new Date(value as string | Date).toISOString());

function delivered(eventType: string, payload: Record<string, unknown>, minute: number): WebhookEvent {
  return buildGhlEvent(eventType, { ...payload, timestamp: at(minute) });
}

async function process(event: WebhookEvent) {
  const [outcome] = await processGhlEvent(database, registry, event);
  return outcome;
}

async function installation(ghlTargetId: string) {
  const [row] = await queryRows<Record<string, unknown>>(
    database.db,
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
    await expect(process(delivered('INSTALL', payload, 1))).rejects.toBeInstanceOf(GhlInstallTargetUnknownError);
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

    const uninstall = { ...loadGhlExample('AppUninstall', 'Location Level'), locationId: 'loc-lifecycle' };
    expect(await process(delivered('UNINSTALL', uninstall, 3))).toEqual({ status: 'done' });
    const row = await installation('loc-lifecycle');
    expect(row).toMatchObject({ status: 'uninstalled', plan_id: '66a0419a0dffa47fb5f8b22f' });
    expect(iso(row?.['uninstalled_at'])).toBe(at(3));
    expect(revokedSubjects).toContain('location:loc-lifecycle');
    const contacts = await queryRows(database.db, sql`select c.id from contacts c join locations l on l.id = c.location_id where l.ghl_location_id = 'loc-lifecycle'`);
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
    expect(await process(delivered('UNINSTALL', { ...loadGhlExample('AppUninstall', 'Agency Level'), appId, companyId: 'agency-cascade' }, 5))).toEqual({ status: 'done' });
    expect((await installation('agency-cascade'))?.['status']).toBe('uninstalled');
    expect((await installation('loc-cascade'))?.['status']).toBe('uninstalled');
    expect(revokedSubjects).toEqual(expect.arrayContaining(['company:agency-cascade', 'location:loc-cascade']));
  });

  it('skips an UNINSTALL for a target never seen here', async () => {
    expect(await process(delivered('UNINSTALL', { ...loadGhlExample('AppUninstall'), locationId: 'never-seen' }, 1))).toMatchObject({ status: 'skipped' });
  });
});

describe('PLAN_CHANGE', () => {
  it('moves the plan forward only, and retries when the installation is not there yet', async () => {
    const plan = { ...loadGhlExample('PlanChange'), locationId: 'loc-plan', companyId: 'agency-plan' };
    await expect(process(delivered('PLAN_CHANGE', { ...plan, newPlanId: 'plan-2' }, 2))).rejects.toBeInstanceOf(GhlInstallationNotFoundError);

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
      database.db,
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
    const [own] = await queryRows<{ company_id: string }>(database.db, sql`select company_id from ghl_installations where ghl_target_id = 'loc-plan'`);
    const [other] = await queryRows<{ company_id: string }>(database.db, sql`select company_id from ghl_installations where ghl_target_id = 'agency-cascade'`);
    const visible = (companyId: string) =>
      database.tenant({ companyId, locationIds: '*' }, async (tx) => queryRows<{ ghl_target_id: string }>(tx, sql`select ghl_target_id from ghl_installations`));
    expect((await visible(own?.company_id as string)).map((row) => row.ghl_target_id)).toEqual(['loc-plan']);
    expect((await visible(other?.company_id as string)).map((row) => row.ghl_target_id).sort()).toEqual(['agency-cascade', 'loc-cascade']);
  });
});
