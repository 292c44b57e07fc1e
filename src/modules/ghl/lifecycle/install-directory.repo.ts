import { desc, sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db/index.js';
import { ghlInstallations } from '../ghl-installations.tables.js';
import { ghlTokens } from '../ghl-tokens.tables.js';

type Timestamp = Date | string | null;

/** A location's newest token and installation, as the caller's transaction may see them (RLS applies). */
export async function findLocationAccess(tx: Executor, locationId: string) {
  const [token] = await queryRows<{ status: string; statusReason: string | null; accessExpiresAt: Timestamp; refreshedAt: Timestamp }>(
    tx,
    sql`select status, status_reason as "statusReason", access_expires_at as "accessExpiresAt", refreshed_at as "refreshedAt"
      from ghl_tokens where location_id = ${locationId} order by updated_at desc limit 1`,
  );
  const [installation] = await queryRows<{ status: string; installedAt: Timestamp; uninstalledAt: Timestamp }>(
    tx,
    sql`select status, installed_at as "installedAt", uninstalled_at as "uninstalledAt"
      from ghl_installations where location_id = ${locationId} order by updated_at desc limit 1`,
  );
  return { token, installation };
}

/** Locations with an installed Location installation and an active location token (not needs_reauth or revoked). */
export async function listConnectedLocations(tx: Executor): Promise<{ companyId: string; locationId: string; ghlLocationId: string }[]> {
  return queryRows<{ companyId: string; locationId: string; ghlLocationId: string }>(
    tx,
    sql`select distinct on (i.location_id) i.company_id as "companyId", i.location_id as "locationId", i.ghl_location_id as "ghlLocationId"
      from ghl_installations i
      join ghl_tokens t on t.subject_key = 'location:' || i.ghl_location_id
      where i.install_type = 'Location' and i.status = 'installed' and i.location_id is not null and i.ghl_location_id is not null
        and t.status = 'active'
      order by i.location_id`,
  );
}

/** Installations the caller's transaction may see, newest first. */
export function listInstallationRows(tx: Executor) {
  return tx.select().from(ghlInstallations).orderBy(desc(ghlInstallations.updatedAt));
}

export function listTokenRows(tx: Executor) {
  return tx.select().from(ghlTokens);
}

/** What the ghl module tells other modules about installs and tokens (crm's GhlInstallDirectory port). */
export const ghlInstallDirectory = { findLocationAccess, listConnectedLocations };
