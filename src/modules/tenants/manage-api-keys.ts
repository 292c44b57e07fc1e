import { fail, succeed, type Result } from '../../platform/result/index.js';
import { sha256Hex } from '../../platform/crypto/index.js';
import { isLocationAdmin, tenantScopeOf, type LocationRole, type Principal } from '../../platform/http/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { findApiKey, findLocation, insertApiKey, listApiKeys as selectApiKeys, revokeApiKey as revokeApiKeyRow, type ApiKeyRow } from './tenants.repo.js';
import { generateSecretCode } from './secret-codes.js';

export interface ApiKeyView {
  id: string;
  name: string;
  locationId: string;
  role: LocationRole;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    locationId: row.locationId,
    role: row.role as LocationRole,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}

/** The plaintext key is returned here once and never again. */
export async function createApiKey(
  deps: TenantsDeps,
  principal: Principal,
  input: { name: string; locationId: string; role?: LocationRole | undefined },
): Promise<Result<{ apiKey: ApiKeyView; key: string }, 'location_not_found' | 'forbidden'>> {
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => {
    const location = await findLocation(tx, input.locationId);
    if (!location) return fail('location_not_found', 'Location not found');
    if (principal.kind !== 'user' || !isLocationAdmin(principal, location.id)) {
      return fail('forbidden', 'Only a location admin can create API keys');
    }
    const { code, prefix } = generateSecretCode('sbk');
    const row = await insertApiKey(tx, {
      id: deps.generateId('key'),
      companyId: location.companyId,
      locationId: location.id,
      name: input.name.trim(),
      role: input.role ?? 'location_member',
      prefix,
      keyHash: sha256Hex(code),
      createdByUserId: principal.userId ?? null,
      createdAt: deps.clock.now(),
    });
    return succeed({ apiKey: toApiKeyView(row), key: code });
  });
}

export async function listApiKeys(deps: TenantsDeps, principal: Principal): Promise<ApiKeyView[]> {
  const rows = await deps.database.tenant(tenantScopeOf(principal), (tx) => selectApiKeys(tx));
  return rows.filter((row) => isLocationAdmin(principal, row.locationId)).map(toApiKeyView);
}

export async function revokeApiKey(deps: TenantsDeps, principal: Principal, apiKeyId: string): Promise<Result<ApiKeyView, 'not_found' | 'forbidden'>> {
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => {
    const existing = await findApiKey(tx, apiKeyId);
    // Keys are listed to location admins only: to anyone else a key answers as unknown.
    if (!existing || !isLocationAdmin(principal, existing.locationId)) return fail('not_found', 'API key not found');
    if (principal.kind !== 'user') return fail('forbidden', 'Only a logged-in location admin can revoke API keys');
    const row = await revokeApiKeyRow(tx, apiKeyId, deps.clock.now());
    return row ? succeed(toApiKeyView(row)) : fail('not_found', 'API key not found');
  });
}
