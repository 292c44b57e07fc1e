import type { Executor } from '../../platform/db/index.js';

/*
 * The second port through which crm learns about GHL: what the ghl module knows of a location's
 * installation and token (sync health shows it; reconciliation runs only where the app has access).
 * Implemented by the ghl module's installation repo, handed over in src/main/wire.ts.
 */

type Timestamp = Date | string | null;

export interface GhlLocationAccess {
  token: { status: string; statusReason: string | null; accessExpiresAt: Timestamp; refreshedAt: Timestamp } | undefined;
  installation: { status: string; installedAt: Timestamp; uninstalledAt: Timestamp } | undefined;
}

export interface GhlConnectedLocation {
  companyId: string;
  locationId: string;
  ghlLocationId: string;
}

export interface GhlInstallDirectory {
  /** The newest token and installation of the location, as the caller's transaction may see them. */
  findLocationAccess(tx: Executor, locationId: string): Promise<GhlLocationAccess>;
  /** Locations installed with an active location token (not needs_reauth or revoked). */
  listConnectedLocations(tx: Executor): Promise<GhlConnectedLocation[]>;
}
