import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import { companies, locations } from './tenants.tables.js';

export interface TenantRef {
  companyId: string;
  locationId: string;
}

/** Our company and location for a GHL location id, or undefined when that location is not known here. */
export async function findTenantByGhlLocationId(tx: Executor, ghlLocationId: string): Promise<TenantRef | undefined> {
  const [row] = await tx.select({ companyId: locations.companyId, locationId: locations.id }).from(locations).where(eq(locations.ghlLocationId, ghlLocationId));
  return row;
}

export async function findCompanyIdByGhlCompanyId(tx: Executor, ghlCompanyId: string): Promise<string | undefined> {
  const [row] = await tx.select({ id: companies.id }).from(companies).where(eq(companies.ghlCompanyId, ghlCompanyId));
  return row?.id;
}

/** Idempotent: the company for a GHL agency id, created on first sight (installs, webhooks). */
export async function ensureGhlCompany(tx: Executor, generateId: IdGenerator, input: { ghlCompanyId: string; name?: string | undefined }): Promise<string> {
  const [row] = await tx
    .insert(companies)
    .values({ id: generateId('co'), name: input.name ?? `GHL agency ${input.ghlCompanyId}`, ghlCompanyId: input.ghlCompanyId })
    .onConflictDoUpdate({ target: companies.ghlCompanyId, set: { updatedAt: sql`${companies.updatedAt}` } })
    .returning({ id: companies.id });
  return (row as { id: string }).id;
}

/**
 * Idempotent: the location for a GHL location id, created under the agency on first sight. A location
 * already linked keeps its company; a new name only replaces the placeholder.
 */
export async function ensureGhlLocation(
  tx: Executor,
  generateId: IdGenerator,
  input: { ghlLocationId: string; ghlCompanyId: string; name?: string | undefined; timezone?: string | undefined },
): Promise<TenantRef> {
  const existing = await findTenantByGhlLocationId(tx, input.ghlLocationId);
  if (existing) {
    if (input.name || input.timezone) {
      await tx
        .update(locations)
        .set({
          ...(input.name ? { name: input.name } : {}),
          ...(input.timezone ? { timezone: input.timezone } : {}),
          updatedAt: new Date(),
        })
        .where(eq(locations.id, existing.locationId));
    }
    return existing;
  }
  const companyId = await ensureGhlCompany(tx, generateId, { ghlCompanyId: input.ghlCompanyId });
  const [row] = await tx
    .insert(locations)
    .values({ id: generateId('loc'), companyId, name: input.name ?? `GHL location ${input.ghlLocationId}`, ghlLocationId: input.ghlLocationId, timezone: input.timezone ?? null })
    .onConflictDoUpdate({ target: locations.ghlLocationId, set: { updatedAt: sql`${locations.updatedAt}` } })
    .returning({ companyId: locations.companyId, locationId: locations.id });
  return row as TenantRef;
}
