import { fail, succeed, type Result } from '../../platform/result/index.js';
import { sha256Hex } from '../../platform/crypto/index.js';
import { isLocationAdmin, tenantScopeOf, type Principal } from '../../platform/http/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { findInvite, findLocation, insertInvite, isLocationRole, listInvites as selectInvites, revokeInvite as revokeInviteRow, type InviteRow } from './tenants.repo.js';
import { generateSecretCode } from './secret-codes.js';

export type InviteRole = 'agency_admin' | 'member' | 'location_admin' | 'location_member';

export interface InviteView {
  id: string;
  companyId: string;
  locationId: string | null;
  role: InviteRole;
  email: string | null;
  maxUses: number;
  useCount: number;
  expiresAt: string;
  createdAt: string;
  revokedAt: string | null;
}

function toInviteView(row: InviteRow): InviteView {
  return {
    id: row.id,
    companyId: row.companyId,
    locationId: row.locationId,
    role: row.role as InviteRole,
    email: row.email,
    maxUses: row.maxUses,
    useCount: row.useCount,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

export type CreateInviteError = 'forbidden' | 'location_not_found' | 'role_mismatch' | 'company_required';

/** Location invites carry a location role; agency invites an agency role. The code is shown once. */
export async function createInvite(
  deps: TenantsDeps,
  principal: Principal,
  input: { role: InviteRole; locationId?: string | undefined; email?: string | undefined; maxUses: number; expiresInHours: number },
): Promise<Result<{ invite: InviteView; code: string }, CreateInviteError>> {
  if (principal.kind !== 'user') return fail('forbidden', 'API keys cannot create invites');
  const isLocationInvite = input.locationId !== undefined;
  if (isLocationInvite !== isLocationRole(input.role)) {
    return fail('role_mismatch', 'Location invites take location_admin or location_member; agency invites take agency_admin or member');
  }
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => {
    let companyId = principal.companyId;
    if (input.locationId !== undefined) {
      const location = await findLocation(tx, input.locationId);
      if (!location) return fail('location_not_found', 'Location not found');
      if (!isLocationAdmin(principal, location.id)) return fail('forbidden', 'Only a location admin can invite to a location');
      companyId = location.companyId;
    } else if (principal.role !== 'agency_admin' && principal.role !== 'platform_admin') {
      return fail('forbidden', 'Only agency admins can invite to the agency');
    }
    if (!companyId) return fail('company_required', 'A platform admin must invite to a location of a company');
    const now = deps.clock.now();
    const { code, prefix } = generateSecretCode('inv');
    const row = await insertInvite(tx, {
      id: deps.generateId('inv'),
      companyId,
      locationId: input.locationId ?? null,
      role: input.role,
      email: input.email?.trim().toLowerCase() ?? null,
      codePrefix: prefix,
      codeHash: sha256Hex(code),
      maxUses: input.maxUses,
      expiresAt: new Date(now.getTime() + input.expiresInHours * 3_600_000),
      createdByUserId: principal.userId ?? null,
      createdAt: now,
    });
    return succeed({ invite: toInviteView(row), code });
  });
}

export async function listInvites(deps: TenantsDeps, principal: Principal): Promise<InviteView[]> {
  const rows = await deps.database.tenant(tenantScopeOf(principal), (tx) => selectInvites(tx));
  return rows.filter((row) => canManageInvite(principal, row)).map(toInviteView);
}

/** An invite the caller cannot manage is one they cannot list either: it answers as unknown. */
export async function revokeInvite(deps: TenantsDeps, principal: Principal, inviteId: string): Promise<Result<InviteView, 'not_found'>> {
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => {
    const existing = await findInvite(tx, inviteId);
    if (!existing || !canManageInvite(principal, existing)) return fail('not_found', 'Invite not found');
    const row = await revokeInviteRow(tx, inviteId, deps.clock.now());
    return row ? succeed(toInviteView(row)) : fail('not_found', 'Invite not found');
  });
}

function canManageInvite(principal: Principal, row: InviteRow): boolean {
  if (principal.role === 'agency_admin' || principal.role === 'platform_admin') return true;
  return row.locationId !== null && isLocationAdmin(principal, row.locationId);
}
