import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { queryRows, type Database } from '../../platform/db/index.js';
import { generateId } from '../../platform/ids/ids.js';
import { systemClock } from '../../platform/clock/clock.js';
import { ensureGhlLocation, type TenantRef } from '../tenants/index.js';
import type { WebhookEvent } from '../webhooks/index.js';
import { createCrmBatchAppliers } from './index.js';
import { applyLocalEdit, lockWriteThroughRow } from './write-through.repo.js';

/* The batch path setup sync and reconciliation use keeps the rules of the one-event path. */

let database: Database;
let tenant: TenantRef;
const appliers = createCrmBatchAppliers({ generateId, clock: systemClock });
const GHL_LOCATION = 'batch-location';

function listed(contact: Record<string, unknown>, receivedAt: Date): WebhookEvent {
  return {
    id: '0',
    provider: 'ghl',
    eventType: 'ContactUpdate',
    deliveryId: `sync:test:${String(contact['id'])}:${receivedAt.getTime()}`,
    ghlLocationId: GHL_LOCATION,
    ghlCompanyId: null,
    payload: { locationId: GHL_LOCATION, ...contact },
    receivedAt,
    attempt: 1,
    orderingKey: null,
    occurredAt: null,
  };
}

beforeAll(async () => {
  database = await createTestDatabase();
  tenant = await database.system((tx) => ensureGhlLocation(tx, generateId, { ghlLocationId: GHL_LOCATION, ghlCompanyId: 'batch-agency' }));
});
afterAll(async () => database.close());

describe('createCrmBatchAppliers', () => {
  it('applies a page in one go, reports what changed, and changes nothing on a replay', async () => {
    const page = Array.from({ length: 120 }, (_, index) => ({ id: `c${index}`, firstName: `First ${index}`, email: `c${index}@example.com`, dateUpdated: '2030-01-01T00:00:00.000Z' }));
    const first = await database.system((tx) => appliers.contacts(tx, page.map((contact) => listed(contact, new Date('2030-01-02T00:00:00Z')))));
    expect(first.sort()).toEqual(page.map((contact) => contact.id).sort());
    const replay = await database.system((tx) => appliers.contacts(tx, page.map((contact) => listed(contact, new Date('2030-01-03T00:00:00Z')))));
    expect(replay).toEqual([]);
    const [counted] = await queryRows<{ total: number }>(database.db, sql`select count(*)::int as total from contacts where location_id = ${tenant.locationId}`);
    expect(counted?.total).toBe(120);
  });

  it('merges a listed version into a row with local edits instead of overwriting them', async () => {
    await database.system(async (tx) => {
      const row = await lockWriteThroughRow(tx, 'contacts', { locationId: tenant.locationId, ghlId: 'c1' });
      if (!row) throw new Error('c1 missing');
      await applyLocalEdit(tx, 'contacts', row, { phone: '+15550009999' }, new Date('2030-01-04T00:00:00Z'));
    });
    // GHL changed the first name later; our phone edit is still pending.
    const changed = await database.system((tx) =>
      appliers.contacts(tx, [listed({ id: 'c1', firstName: 'Renamed in GHL', email: 'c1@example.com', dateUpdated: '2030-01-05T00:00:00.000Z' }, new Date('2030-01-05T00:00:00Z'))]),
    );
    expect(changed).toEqual(['c1']);
    const [row] = await queryRows<{ firstName: string; phone: string; pending: string[] }>(
      database.db,
      sql`select first_name as "firstName", phone, array(select jsonb_object_keys(local_changes)) as pending from contacts where location_id = ${tenant.locationId} and ghl_id = 'c1'`,
    );
    expect(row).toEqual({ firstName: 'Renamed in GHL', phone: '+15550009999', pending: ['phone'] });
  });
});
