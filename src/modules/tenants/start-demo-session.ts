import { fail, succeed, type Result } from '../../platform/result/index.js';
import type { Session } from './register-account.js';
import { DEMO_ACCOUNTS, seedDemoTenant, type DemoTenant } from './seed-demo-tenant.js';
import type { TenantsDeps } from './tenants.deps.js';
import { findUserByEmail, listMembershipsOfUser } from './tenants.repo.js';
import { toUserView } from './user-view.js';
import { startUserSession, type SessionOrigin } from './user-sessions.js';

/**
 * Development only (the route exists only outside production): makes sure the demo agency exists
 * (idempotent, as `npm run seed`) and opens a session for its admin, so a first run is one click.
 * `password` is used only when the demo accounts are created now.
 */
export async function startDemoSession(deps: TenantsDeps, input: { password?: string | undefined; origin: SessionOrigin }): Promise<Result<Session & { demo: DemoTenant }, 'demo_unavailable'>> {
  const demo = await seedDemoTenant(deps, { adminEmail: DEMO_ACCOUNTS.adminEmail, memberEmail: DEMO_ACCOUNTS.memberEmail, password: input.password ?? DEMO_ACCOUNTS.password });
  const admin = await deps.database.system(async (tx) => {
    const user = await findUserByEmail(tx, DEMO_ACCOUNTS.adminEmail);
    return user ? { user, memberships: await listMembershipsOfUser(tx, user.id) } : undefined;
  });
  if (!admin) return fail('demo_unavailable', 'The demo admin account could not be found');
  const session = await startUserSession(deps, admin.user, input.origin);
  return succeed({ user: toUserView(admin.user, admin.memberships), ...session, demo });
}
