import { eq, inArray, sql } from 'drizzle-orm';
import type { Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import { companies, locations, users } from './tenants.tables.js';

export interface TenantRef {
  companyId: string;
  locationId: string;
}

/** Our company and location for a GHL location id, or undefined when that location is not known here. */
export async function findTenantByGhlLocationId(tx: Executor, ghlLocationId: string): Promise<TenantRef | undefined> {
  const [row] = await tx.select({ companyId: locations.companyId, locationId: locations.id }).from(locations).where(eq(locations.ghlLocationId, ghlLocationId));
  return row;
}

/** findTenantByGhlLocationId for many ids in one statement: the ones known here, keyed by GHL location id. */
export async function findTenantsByGhlLocationIds(tx: Executor, ghlLocationIds: readonly string[]): Promise<Map<string, TenantRef>> {
  const distinct = [...new Set(ghlLocationIds)];
  if (distinct.length === 0) return new Map();
  const rows = await tx
    .select({ ghlLocationId: locations.ghlLocationId, companyId: locations.companyId, locationId: locations.id })
    .from(locations)
    .where(inArray(locations.ghlLocationId, distinct));
  return new Map(rows.flatMap((row) => (row.ghlLocationId ? [[row.ghlLocationId, { companyId: row.companyId, locationId: row.locationId }] as const] : [])));
}

export interface LocationGhlLink {
  id: string;
  companyId: string;
  /** Null while the location is not connected to GHL. */
  ghlLocationId: string | null;
}

/** A location with its GHL id, as the caller's transaction sees it (RLS hides other tenants'). */
export async function findLocationGhlLink(tx: Executor, locationId: string): Promise<LocationGhlLink | undefined> {
  const [row] = await tx.select({ id: locations.id, companyId: locations.companyId, ghlLocationId: locations.ghlLocationId }).from(locations).where(eq(locations.id, locationId));
  return row;
}

/** The GHL location ids of a company's connected locations. */
export async function listGhlLocationIdsOfCompany(tx: Executor, companyId: string): Promise<string[]> {
  const rows = await tx.select({ ghlLocationId: locations.ghlLocationId }).from(locations).where(eq(locations.companyId, companyId));
  return rows.flatMap((row) => (row.ghlLocationId ? [row.ghlLocationId] : []));
}

export async function findCompanyIdByGhlCompanyId(tx: Executor, ghlCompanyId: string): Promise<string | undefined> {
  const [row] = await tx.select({ id: companies.id }).from(companies).where(eq(companies.ghlCompanyId, ghlCompanyId));
  return row?.id;
}

/** Idempotent: the company for a GHL agency id, created on first sight (installs, webhooks). */
export async function ensureGhlCompany(tx: Executor, generateId: IdGenerator, input: { ghlCompanyId: string; name?: string | undefined }): Promise<string> {
  await lockGhlCompany(tx, input.ghlCompanyId);
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

/**
 * ensureGhlLocation's rename of known locations, for many in one statement: each given name or
 * timezone replaces ours (an absent one keeps it). Location ids must be distinct.
 */
export async function renameKnownLocations(tx: Executor, renames: readonly { locationId: string; name?: string | undefined; timezone?: string | undefined }[], now: Date): Promise<void> {
  const changed = renames.filter((rename) => rename.name || rename.timezone);
  if (changed.length === 0) return;
  const document = changed.map((rename) => ({ i: rename.locationId, n: rename.name || null, t: rename.timezone || null }));
  await tx.execute(sql`update locations set name = coalesce(input.n, locations.name), timezone = coalesce(input.t, locations.timezone), updated_at = ${now.toISOString()}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(document)}::jsonb) as input(i text, n text, t text)
    where locations.id = input.i`);
}

/**
 * Links one of our agencies to its GHL agency id (an install started by a logged-in agency admin).
 * Refuses when either side is already linked elsewhere, so an install can never move data between tenants.
 */
export async function linkCompanyToGhl(tx: Executor, companyId: string, ghlCompanyId: string): Promise<'linked' | 'conflict' | 'not_found'> {
  await lockGhlCompany(tx, ghlCompanyId);
  const [company] = await tx.select({ id: companies.id, ghlCompanyId: companies.ghlCompanyId }).from(companies).where(eq(companies.id, companyId));
  if (!company) return 'not_found';
  if (company.ghlCompanyId === ghlCompanyId) return 'linked';
  if (company.ghlCompanyId !== null) return 'conflict';
  const owner = await findCompanyIdByGhlCompanyId(tx, ghlCompanyId);
  if (owner !== undefined && owner !== companyId) {
    // A webhook (INSTALL, LocationCreate…) may have created the agency before the OAuth callback
    // linked it. Such a placeholder has no users: its rows move into the claiming agency.
    if (!(await isUnclaimedCompany(tx, owner))) return 'conflict';
    await moveCompanyRows(tx, owner, companyId);
  }
  await tx.update(companies).set({ ghlCompanyId, updatedAt: new Date() }).where(eq(companies.id, companyId));
  return 'linked';
}

async function isUnclaimedCompany(tx: Executor, companyId: string): Promise<boolean> {
  const [row] = await tx.select({ total: sql<number>`count(*)::int` }).from(users).where(eq(users.companyId, companyId));
  return (row?.total ?? 0) === 0;
}

/** Re-homes every tenant row of `fromCompanyId` (every table with a company_id column), then deletes it. */
async function moveCompanyRows(tx: Executor, fromCompanyId: string, intoCompanyId: string): Promise<void> {
  const tables = await tx.execute(sql`select table_name as "tableName" from information_schema.columns
    where table_schema = 'public' and column_name = 'company_id' and table_name <> 'companies'`);
  for (const { tableName } of (tables as unknown as { rows: { tableName: string }[] }).rows) {
    await tx.execute(sql`update ${sql.identifier(tableName)} set company_id = ${intoCompanyId} where company_id = ${fromCompanyId}`);
  }
  await tx.delete(companies).where(eq(companies.id, fromCompanyId));
}

/**
 * Serialises everything that creates or links the company of one GHL agency (OAuth callback and
 * webhook processors race on it); held until the transaction ends.
 */
async function lockGhlCompany(tx: Executor, ghlCompanyId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`ghl-company:${ghlCompanyId}`}))`);
}
