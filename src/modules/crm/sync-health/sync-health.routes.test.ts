import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { startCrmApiKit, type CrmApiKit } from '../../../../test/crm-api-kit.js';
import { bearer } from '../../../../test/support/test-app.js';
import { buildGhlEvent, loadGhlExample, processGhlEvent } from '../../../../test/support/ghl-webhook-examples.js';
import { waitFor } from '../../../../test/support/spawn-service.js';
import { queryRows } from '../../../platform/db/index.js';
import { enqueueJob } from '../../../platform/jobs/index.js';
import type { SyncHealthView } from './sync-health.schemas.js';

let kit: CrmApiKit;
const CONTACTS = 25;

async function health(locationId: string, token: string = kit.agency.token) {
  const response = await kit.server.inject({ method: 'GET', url: `/api/sync/health/${locationId}`, headers: bearer(token) });
  return { status: response.statusCode, body: response.json<SyncHealthView & { error?: { code: string } }>() };
}

async function deliver(eventType: string, payload: Record<string, unknown>) {
  const outcome = await processGhlEvent(kit.app.database, kit.app.processors, buildGhlEvent(eventType, payload));
  expect(outcome).toMatchObject({ status: 'done' });
}

function installPayload(type: 'INSTALL' | 'UNINSTALL', timestamp: string) {
  const example = loadGhlExample('AppInstall', 'Sample payload');
  return { ...example, type, locationId: kit.installed.ghlLocationId, companyId: kit.sandbox.companyId, timestamp, webhookId: `${type}-${timestamp}` };
}

beforeAll(async () => {
  kit = await startCrmApiKit({ contacts: CONTACTS });
  await deliver('INSTALL', installPayload('INSTALL', new Date().toISOString()));
});

afterAll(async () => kit?.close());

describe('GET /api/sync/health/:locationId', () => {
  it('reports counts per entity, the setup sync, an active token and the installation', async () => {
    const { status, body } = await health(kit.installed.locationId);
    expect(status).toBe(200);
    expect(body).toMatchObject({ locationId: kit.installed.locationId, ghlLocationId: kit.installed.ghlLocationId, deadJobs: 0 });
    expect(body.entities.map((entity) => entity.entity)).toEqual(['contacts', 'opportunities', 'appointments', 'conversations', 'messages', 'invoices', 'notes', 'tasks']);
    for (const entity of body.entities) {
      const [counted] = await queryRows<{ total: number }>(kit.app.database.db, sql`select count(*)::int as total from ${sql.identifier(entity.entity)} where location_id = ${kit.installed.locationId} and deleted_at is null`);
      expect(entity.localCount, entity.entity).toBe(counted?.total);
      expect(entity.syncedCount, entity.entity).toBe(entity.localCount);
      expect(entity).toMatchObject({ pendingPushes: 0, failures: 0 });
      if (entity.localCount > 0 && entity.entity !== 'conversations') expect(entity.lastSourceUpdatedAt, entity.entity).toEqual(expect.any(String));
    }
    expect(body.entities.find((entity) => entity.entity === 'contacts')?.localCount).toBe(CONTACTS);
    expect(body.setupSync).toMatchObject({ trigger: 'install', status: 'done', finishedAt: expect.any(String) });
    expect(body.lastSetupSyncAt).toBe(body.setupSync?.finishedAt);
    expect(body.token).toMatchObject({ status: 'active', reason: null });
    expect(Date.parse(body.token?.accessExpiresAt ?? '')).toBeGreaterThan(Date.now());
    expect(body.installation).toMatchObject({ status: 'installed', installedAt: expect.any(String), uninstalledAt: null });
  });

  it('counts pending pushes and dead jobs of the location per entity', async () => {
    const location = { companyId: kit.installed.companyId, locationId: kit.installed.locationId };
    // The contact pushes are due in an hour, so they stay pending; crm.push-invoice dies on its only attempt.
    kit.runner.register('crm.push-invoice', () => Promise.reject(new Error('GHL refused the invoice')));
    await kit.app.database.system(async (tx) => {
      const later = new Date(Date.now() + 3_600_000);
      await enqueueJob(tx, { kind: 'crm.push-contact', ...location, payload: { id: 'c1' }, runAt: later });
      await enqueueJob(tx, { kind: 'crm.push-contact', ...location, payload: { id: 'c2' }, runAt: later });
      await enqueueJob(tx, { kind: 'crm.push-invoice', ...location, payload: { invoiceId: 'i1' }, maxAttempts: 1 });
    });
    kit.runner.wake();
    const body = await waitFor(async () => {
      const answer = await health(kit.installed.locationId);
      return answer.body.deadJobs === 1 ? answer.body : undefined;
    }, 20_000, 'the invoice push to die');
    const byEntity = new Map(body.entities.map((entity) => [entity.entity, entity]));
    expect(byEntity.get('contacts')).toMatchObject({ pendingPushes: 2, failures: 0 });
    expect(byEntity.get('invoices')).toMatchObject({ pendingPushes: 0, failures: 1 });
    expect(byEntity.get('conversations')).toMatchObject({ pendingPushes: 0, failures: 0 });
  });

  it('shows a revoked token and the uninstall after UNINSTALL', async () => {
    await deliver('UNINSTALL', installPayload('UNINSTALL', new Date(Date.now() + 1000).toISOString()));
    const { body } = await health(kit.installed.locationId);
    expect(body.token).toMatchObject({ status: 'revoked', reason: expect.stringContaining('uninstalled') });
    expect(body.installation).toMatchObject({ status: 'uninstalled', uninstalledAt: expect.any(String) });
  });

  it('answers a location without GHL with zero counts and no token', async () => {
    const unlinked = kit.agency.locationIds[0] as string;
    const { status, body } = await health(unlinked);
    expect(status).toBe(200);
    expect(body).toMatchObject({ ghlLocationId: null, token: null, installation: null, setupSync: null, lastSetupSyncAt: null, deadJobs: 0 });
    expect(body.entities.every((entity) => entity.localCount === 0 && entity.lastSourceUpdatedAt === null)).toBe(true);
  });

  it('needs credentials, hides other tenants and rejects a bad id', async () => {
    const anonymous = await kit.server.inject({ method: 'GET', url: `/api/sync/health/${kit.installed.locationId}` });
    expect(anonymous.statusCode).toBe(401);
    const foreign = await health(kit.installed.locationId, kit.otherAgency.token);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error?.code).toBe('not_found');
    expect((await health('loc_missing')).status).toBe(404);
    expect((await health('x'.repeat(101))).status).toBe(414);
    // The other agency sees its own location.
    expect((await health(kit.otherAgency.locationIds[0] as string, kit.otherAgency.token)).status).toBe(200);
  });
});

describe('end of run', () => {
  it('leaves no dead event, no dead job and no error-level log line but the ones caused on purpose', async () => {
    await kit.expectCleanEnd({ isExpectedDeadJob: (job) => job.kind === 'crm.push-invoice' && /GHL refused the invoice/.test(job.lastError ?? '') });
  });
});
