import type { LocationRole, UserRole } from '../../platform/http/index.js';
import type { MembershipRow, UserRow } from './tenants.repo.js';

export interface UserView {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  companyId: string | null;
  locations: { locationId: string; role: LocationRole }[];
  createdAt: string;
}

/** The only shape in which a user leaves the module: never the password hash. */
export function toUserView(user: UserRow, memberships: MembershipRow[]): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: user.role as UserRole,
    companyId: user.companyId,
    locations: memberships.map((membership) => ({ locationId: membership.locationId, role: membership.role as LocationRole })),
    createdAt: user.createdAt.toISOString(),
  };
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}
