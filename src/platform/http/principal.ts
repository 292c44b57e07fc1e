import type { FastifyRequest } from 'fastify';
import type { TenantScope } from '../db/index.js';

export type UserRole = 'platform_admin' | 'agency_admin' | 'member';
export type LocationRole = 'location_admin' | 'location_member';

/** Who is calling, resolved once per request by the authenticator. */
export interface Principal {
  kind: 'user' | 'api_key';
  userId: string | undefined;
  apiKeyId: string | undefined;
  /** The user's session (user_sessions) the request was made with; undefined for an API key. */
  sessionId: string | undefined;
  /** Null only for a platform admin outside any agency. */
  companyId: string | null;
  role: UserRole;
  /** '*' = every location of the company; otherwise the locations with the caller's role there. */
  locations: '*' | ReadonlyMap<string, LocationRole>;
}

export interface Authenticator {
  authenticate(request: FastifyRequest): Promise<Principal | undefined>;
}

export function isPlatformAdmin(principal: Principal): boolean {
  return principal.role === 'platform_admin';
}

export function tenantScopeOf(principal: Principal): TenantScope {
  return {
    // A platform admin without an agency still needs a value; the policy lets them through anyway.
    companyId: principal.companyId ?? '',
    locationIds: principal.locations === '*' ? '*' : [...principal.locations.keys()],
    isPlatformAdmin: isPlatformAdmin(principal),
  };
}

export function canAccessLocation(principal: Principal, locationId: string): boolean {
  return principal.locations === '*' || principal.locations.has(locationId);
}

export function isLocationAdmin(principal: Principal, locationId: string): boolean {
  if (principal.role === 'platform_admin' || principal.role === 'agency_admin') return true;
  return principal.locations !== '*' && principal.locations.get(locationId) === 'location_admin';
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | undefined;
  }
}

/** The caller of a non-public route: routes run after the auth hook, so one is always there. */
export function principalOf(request: { principal: Principal | undefined }): Principal {
  if (!request.principal) throw new Error('route reached without a principal');
  return request.principal;
}
