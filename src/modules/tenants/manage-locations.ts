import { fail, succeed, type Result } from '../../platform/result/index.js';
import { isLocationAdmin, tenantScopeOf, type Principal } from '../../platform/http/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { findCompany, findLocation, insertLocation, listLocations as selectLocations, updateLocation as updateLocationRow, type LocationRow } from './tenants.repo.js';

export interface LocationView {
  id: string;
  companyId: string;
  name: string;
  ghlLocationId: string | null;
  timezone: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toLocationView(row: LocationRow): LocationView {
  return {
    id: row.id,
    companyId: row.companyId,
    name: row.name,
    ghlLocationId: row.ghlLocationId,
    timezone: row.timezone,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function listLocations(deps: TenantsDeps, principal: Principal, page: { limit: number; offset: number }) {
  const { rows, total } = await deps.database.tenant(tenantScopeOf(principal), (tx) => selectLocations(tx, page));
  return { items: rows.map(toLocationView), total, limit: page.limit, offset: page.offset };
}

export async function getLocation(deps: TenantsDeps, principal: Principal, locationId: string): Promise<Result<LocationView, 'not_found'>> {
  const row = await deps.database.tenant(tenantScopeOf(principal), (tx) => findLocation(tx, locationId));
  return row ? succeed(toLocationView(row)) : fail('not_found', 'Location not found');
}

export async function createLocation(
  deps: TenantsDeps,
  principal: Principal,
  input: { name: string; timezone?: string | undefined; companyId?: string | undefined },
): Promise<Result<LocationView, 'forbidden' | 'company_required' | 'company_not_found'>> {
  if (principal.role !== 'agency_admin' && principal.role !== 'platform_admin') {
    return fail('forbidden', 'Only agency admins can create locations');
  }
  const companyId = principal.role === 'platform_admin' ? (input.companyId ?? principal.companyId) : principal.companyId;
  if (!companyId) return fail('company_required', 'companyId is required for a platform admin');
  const now = deps.clock.now();
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => {
    if (!(await findCompany(tx, companyId))) return fail('company_not_found', 'Company not found');
    const row = await insertLocation(tx, { id: deps.generateId('loc'), companyId, name: input.name.trim(), timezone: input.timezone ?? null, createdAt: now, updatedAt: now });
    return succeed(toLocationView(row));
  });
}

export async function updateLocation(
  deps: TenantsDeps,
  principal: Principal,
  locationId: string,
  changes: { name?: string | undefined; timezone?: string | null | undefined },
): Promise<Result<LocationView, 'not_found' | 'forbidden'>> {
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => {
    if (!(await findLocation(tx, locationId))) return fail('not_found', 'Location not found');
    if (!isLocationAdmin(principal, locationId)) return fail('forbidden', 'Only location admins can change a location');
    const clean: { name?: string; timezone?: string | null } = {};
    if (changes.name !== undefined) clean.name = changes.name.trim();
    if (changes.timezone !== undefined) clean.timezone = changes.timezone;
    const row = await updateLocationRow(tx, locationId, clean, deps.clock.now());
    return row ? succeed(toLocationView(row)) : fail('not_found', 'Location not found');
  });
}
