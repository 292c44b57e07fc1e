import type { Tx } from '../../platform/db/index.js';
import { tenantScopeOf, type Principal } from '../../platform/http/index.js';
import { fail, type Result } from '../../platform/result/index.js';
import type { NotificationsDeps } from './notifications.types.js';

export type AccessError = 'forbidden';

/** Agency-level notification settings, templates, endpoints and statements belong to agency admins. */
export function isAgencyAdmin(principal: Principal): boolean {
  return principal.companyId !== null && (principal.role === 'agency_admin' || principal.role === 'platform_admin');
}

/** Runs `work` in the caller's tenant transaction for their agency, when they administer it. */
export async function withAgency<T, E extends string>(
  deps: Pick<NotificationsDeps, 'database'>,
  principal: Principal,
  work: (tx: Tx, companyId: string) => Promise<Result<T, E>>,
): Promise<Result<T, E | AccessError>> {
  if (!isAgencyAdmin(principal) || principal.companyId === null) return fail('forbidden', 'Only agency admins manage notifications');
  const companyId = principal.companyId;
  return deps.database.tenant(tenantScopeOf(principal), (tx) => work(tx, companyId));
}
