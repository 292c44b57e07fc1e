import { fail, succeed, type Result } from '../../platform/result/index.js';
import { tenantScopeOf, type Principal } from '../../platform/http/index.js';
import type { TenantsDeps } from './tenants.deps.js';
import { findUserById, listMembershipsOfUser, listMembershipsOfUsers, listUsers as selectUsers } from './tenants.repo.js';
import { toUserView, type UserView } from './user-view.js';

export async function listUsers(
  deps: TenantsDeps,
  principal: Principal,
  page: { limit: number; offset: number },
): Promise<Result<{ items: UserView[]; total: number; limit: number; offset: number }, 'forbidden'>> {
  if (principal.role !== 'agency_admin' && principal.role !== 'platform_admin') return fail('forbidden', 'Only agency admins can list users');
  return deps.database.tenant(tenantScopeOf(principal), async (tx) => {
    const { rows, total } = await selectUsers(tx, page);
    // One query for the whole page's memberships, not one per user.
    const memberships = await listMembershipsOfUsers(tx, rows.map((row) => row.id));
    const items: UserView[] = rows.map((row) => toUserView(row, memberships.filter((membership) => membership.userId === row.id)));
    return succeed({ items, total, limit: page.limit, offset: page.offset });
  });
}

export async function getCurrentUser(deps: TenantsDeps, principal: Principal): Promise<Result<UserView, 'not_found'>> {
  if (!principal.userId) return fail('not_found', 'API keys have no user');
  const userId = principal.userId;
  const view = await deps.database.system(async (tx) => {
    const user = await findUserById(tx, userId);
    return user ? toUserView(user, await listMembershipsOfUser(tx, user.id)) : undefined;
  });
  return view ? succeed(view) : fail('not_found', 'User not found');
}
