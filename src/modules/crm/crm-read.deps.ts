import type { Clock } from '../../platform/clock/clock.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import { timestampToIso, type Database } from '../../platform/db/index.js';
import { canAccessLocation, tenantScopeOf, type Principal } from '../../platform/http/index.js';
import type { Tx } from '../../platform/db/index.js';
import { fail, type Result } from '../../platform/result/index.js';
import { findLocationGhlLink } from '../tenants/index.js';

/** GHL's answer as the ghl module's client returns it (structurally; crm cannot import ghl, which imports crm). */
export type GhlReadResult<T> = { ok: true; data: T; status: number } | { ok: false; error: { status: number; code: string; message: string } };

/** The one live GHL read the CRM API makes; the ghl module's GhlClient satisfies it. */
export interface GhlFreeSlotsSource {
  getFreeSlots(ghlLocationId: string, calendarId: string, query: { startDateMs: number; endDateMs: number; timezone?: string | undefined }): Promise<GhlReadResult<unknown>>;
}

export interface CrmReadDeps {
  database: Database;
  /** Undefined when no GHL (or sandbox) is configured: live reads answer ghl_not_configured. */
  ghl?: GhlFreeSlotsSource | undefined;
}

export interface VisibleLocation {
  id: string;
  companyId: string;
  ghlLocationId: string | null;
}

/**
 * Runs `work` in the caller's tenant transaction once the location is visible to them. Another
 * tenant's location and a location outside a member's memberships both read as not_found (never 403).
 */
export async function withVisibleLocation<T, E extends string>(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  work: (tx: Tx, location: VisibleLocation) => Promise<Result<T, E>>,
): Promise<Result<T, E | 'not_found'>> {
  if (!canAccessLocation(principal, locationId)) return fail('not_found', 'Location not found');
  return deps.database.tenant(tenantScopeOf(principal), async (tx): Promise<Result<T, E | 'not_found'>> => {
    const location = await findLocationGhlLink(tx, locationId);
    if (!location) return fail('not_found', 'Location not found');
    return work(tx, location);
  });
}

/** A record created here holds no GHL version yet: its stored source time is the epoch, shown as null. */
export function toSourceTime(value: Date | string | null | undefined): string | null {
  const iso = toIso(value);
  return iso === null || Date.parse(iso) === 0 ? null : iso;
}

/** Timestamps arrive as Date (query builder, pg) or text (PGlite through execute). */
export const toIso = timestampToIso;

/** The write API adds ids, time and a nudge for the outbox workers. */
export interface CrmWriteDeps extends CrmReadDeps {
  generateId: IdGenerator;
  clock: Clock;
  /** Called after a write that enqueued a push committed (wakes this process's job runner). */
  onPushEnqueued?: () => void;
}
