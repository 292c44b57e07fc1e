import type { FastifyRequest } from 'fastify';
import { isSameSecret, sha256Hex } from '../../platform/crypto/index.js';
import type { Authenticator, LocationRole, Principal, UserRole } from '../../platform/http/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { findActiveApiKeyByPrefix, findUserById, isLocationRole, listMembershipsOfUser, markApiKeyUsed } from './tenants.repo.js';
import { parseSecretCode } from './secret-codes.js';
import { verifySessionCookie } from './cookie-session.js';
import type { SessionClaims } from './session-tokens.js';
import { isUserSessionLive } from './user-sessions.repo.js';

/**
 * Accepts `Authorization: Bearer <jwt>` or an API key (`x-api-key: sbk_…` or `Authorization: Bearer sbk_…`),
 * else a stream ticket or the browser session cookie.
 * The user's roles and session are read on every request, so a removed user or role, or a session that
 * was logged out, loses access at once.
 */
export function createAuthenticator(deps: TenantsDeps): Authenticator {
  return {
    async authenticate(request: FastifyRequest) {
      const credential = readCredential(request);
      if (!credential) {
        const ticket = readStreamTicket(request);
        const fromTicket = ticket ? await deps.sessions.verifyStreamTicket(ticket) : undefined;
        // Browsers (the dashboard) hold their session in an httpOnly cookie; see cookie-session.ts.
        const claims = fromTicket ?? (await verifySessionCookie(deps.sessions, request));
        return claims ? loadUserPrincipal(deps, claims) : undefined;
      }
      if (credential.startsWith('sbk_')) return authenticateApiKey(deps, credential);
      const claims = await deps.sessions.verify(credential);
      return claims ? loadUserPrincipal(deps, claims) : undefined;
    },
  };
}

/** The principal of a signed session, while its session is live (not logged out, not expired) and its user exists. */
export async function loadUserPrincipal(deps: TenantsDeps, claims: SessionClaims): Promise<Principal | undefined> {
  return deps.database.system(async (tx) => {
    if (!(await isUserSessionLive(tx, claims.sessionId, claims.userId, deps.clock.now()))) return undefined;
    const user = await findUserById(tx, claims.userId);
    if (!user) return undefined;
    const role = user.role as UserRole;
    const hasAllLocations = role === 'platform_admin' || role === 'agency_admin';
    const locations = hasAllLocations
      ? ('*' as const)
      : new Map((await listMembershipsOfUser(tx, user.id)).map((membership) => [membership.locationId, membership.role as LocationRole]));
    return { kind: 'user', userId: user.id, apiKeyId: undefined, sessionId: claims.sessionId, companyId: user.companyId, role, locations } satisfies Principal;
  });
}

async function authenticateApiKey(deps: TenantsDeps, key: string): Promise<Principal | undefined> {
  const parsed = parseSecretCode(key, 'sbk');
  if (!parsed) return undefined;
  return deps.database.system(async (tx) => {
    const apiKey = await findActiveApiKeyByPrefix(tx, parsed.prefix);
    if (!apiKey || !isSameSecret(apiKey.keyHash, sha256Hex(key))) return undefined;
    await markApiKeyUsed(tx, apiKey.id, deps.clock.now());
    const role: LocationRole = isLocationRole(apiKey.role) ? apiKey.role : 'location_member';
    return {
      kind: 'api_key',
      userId: undefined,
      apiKeyId: apiKey.id,
      sessionId: undefined,
      companyId: apiKey.companyId,
      role: 'member',
      locations: new Map([[apiKey.locationId, role]]),
    } satisfies Principal;
  });
}

function readCredential(request: FastifyRequest): string | undefined {
  const apiKeyHeader = request.headers['x-api-key'];
  if (typeof apiKeyHeader === 'string' && apiKeyHeader.length > 0) return apiKeyHeader.trim();
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string') return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
  return match?.[1];
}

/**
 * `?ticket=` counts only on a route that declares itself an event stream (`config.isEventStream`),
 * whatever the headers say elsewhere; there, only on the GET asking for the stream (what EventSource
 * sends), since such a route may answer plain JSON too.
 */
function readStreamTicket(request: FastifyRequest): string | undefined {
  if (request.routeOptions.config.isEventStream !== true) return undefined;
  if (request.method !== 'GET' || !(request.headers.accept ?? '').includes('text/event-stream')) return undefined;
  const ticket = (request.query as Record<string, unknown> | undefined)?.['ticket'];
  return typeof ticket === 'string' && ticket.length > 0 ? ticket : undefined;
}
