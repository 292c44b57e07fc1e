import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { queryRows, type Database } from '../../platform/db/index.js';
import { generateId } from '../../platform/ids/ids.js';
import { ensureGhlLocation, type TenantRef } from '../tenants/index.js';
import { applyEntityVersions, type EntityTable, type EntityVersion } from './entity-versions.repo.js';

let database: Database;
let tenant: TenantRef;

const notesTable: EntityTable<'contact_ghl_id' | 'body' | 'date_added'> = {
  name: 'notes',
  idPrefix: 'nt',
  scope: 'location',
  columns: { contact_ghl_id: { type: 'text', merge: 'keep-when-null' }, body: { type: 'text' }, date_added: { type: 'timestamptz' } },
};

beforeAll(async () => {
  database = await createTestDatabase();
  tenant = await database.system((tx) => ensureGhlLocation(tx, generateId, { ghlLocationId: 'batch-location', ghlCompanyId: 'batch-agency' }));
});
afterAll(async () => database.close());

function note(ghlId: string, body: string, minute: number, contact: string | null = 'contact-1'): EntityVersion<'contact_ghl_id' | 'body' | 'date_added'> {
  return {
    companyId: tenant.companyId,
    locationId: tenant.locationId,
    ghlId,
    values: { contact_ghl_id: contact, body, date_added: null },
    sourceUpdatedAt: new Date(Date.UTC(2026, 0, 1, 0, minute)),
    sourceEventAt: null,
    raw: { id: ghlId, body },
  };
}

describe('applyEntityVersions', () => {
  it('applies a large batch in one statement, keeping the newest of duplicate versions', async () => {
    const versions = Array.from({ length: 500 }, (_, index) => note(`batch-${index}`, `v1-${index}`, 1));
    versions.push(note('batch-7', 'newest', 3), note('batch-7', 'older', 2));
    const changed = await database.system((tx) => applyEntityVersions(tx, notesTable, versions, { mode: 'upsert', now: new Date(), generateId }));
    expect(changed).toBe(500);
    const [row] = await queryRows<{ body: string }>(database.db, sql`select body from notes where ghl_id = 'batch-7'`);
    expect(row?.body).toBe('newest');
  });

  it('reports only rows that changed: replays and stale versions count zero, keep-when-null keeps values', async () => {
    const apply = (versions: EntityVersion<'contact_ghl_id' | 'body' | 'date_added'>[], mode: 'upsert' | 'delete' = 'upsert') =>
      database.system((tx) => applyEntityVersions(tx, notesTable, versions, { mode, now: new Date(), generateId }));
    expect(await apply([note('batch-1', 'v1-1', 1), note('batch-2', 'v1-2', 1)])).toBe(0);
    expect(await apply([note('batch-1', 'older', 0), note('batch-2', 'newer', 5, null)])).toBe(1);
    const [row] = await queryRows<{ body: string; contact_ghl_id: string }>(database.db, sql`select body, contact_ghl_id from notes where ghl_id = 'batch-2'`);
    expect(row).toEqual({ body: 'newer', contact_ghl_id: 'contact-1' });
    expect(await apply([note('batch-2', 'gone', 4)], 'delete')).toBe(1);
    expect(await apply([note('batch-2', 'gone', 4)], 'delete')).toBe(0);
    expect(await apply([note('batch-2', 'after delete', 9)])).toBe(0);
  });
});
