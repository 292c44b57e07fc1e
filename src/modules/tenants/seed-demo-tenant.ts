import type { TenantsDeps } from './tenants.deps.js';
import { findUserByEmail, insertCompany, insertLocation, insertUser, listMembershipsOfUser, upsertMembership } from './tenants.repo.js';

/** The demo agency's accounts (README "Try it"); `npm run seed` may set another password with SEED_PASSWORD. */
export const DEMO_ACCOUNTS = { adminEmail: 'admin@demo.switchboard.local', memberEmail: 'member@demo.switchboard.local', password: 'switchboard-demo' } as const;

export interface DemoTenant {
  companyId: string;
  locationIds: string[];
  adminEmail: string;
  memberEmail: string;
  isNew: boolean;
}

/** Idempotent: a second run finds the demo agency by its admin's email and changes nothing. */
export async function seedDemoTenant(deps: TenantsDeps, input: { adminEmail: string; memberEmail: string; password: string }): Promise<DemoTenant> {
  const passwordHash = await deps.passwords.hash(input.password);
  const now = deps.clock.now();
  return deps.database.system(async (tx) => {
    const existing = await findUserByEmail(tx, input.adminEmail);
    if (existing?.companyId) {
      const member = await findUserByEmail(tx, input.memberEmail);
      const memberships = member ? await listMembershipsOfUser(tx, member.id) : [];
      return { companyId: existing.companyId, locationIds: memberships.map((row) => row.locationId), adminEmail: input.adminEmail, memberEmail: input.memberEmail, isNew: false };
    }
    const company = await insertCompany(tx, { id: deps.generateId('co'), name: 'Demo Agency', createdAt: now, updatedAt: now });
    const locations = [];
    for (const name of ['Demo Roofing Co', 'Demo Solar Co']) {
      locations.push(await insertLocation(tx, { id: deps.generateId('loc'), companyId: company.id, name, timezone: 'America/Chicago', createdAt: now, updatedAt: now }));
    }
    await insertUser(tx, { id: deps.generateId('usr'), companyId: company.id, email: input.adminEmail, name: 'Demo Admin', passwordHash, role: 'agency_admin', createdAt: now, updatedAt: now });
    const member = await insertUser(tx, { id: deps.generateId('usr'), companyId: company.id, email: input.memberEmail, name: 'Demo Member', passwordHash, role: 'member', createdAt: now, updatedAt: now });
    for (const location of locations) {
      await upsertMembership(tx, { companyId: company.id, locationId: location.id, userId: member.id, role: 'location_member' });
    }
    return { companyId: company.id, locationIds: locations.map((location) => location.id), adminEmail: input.adminEmail, memberEmail: input.memberEmail, isNew: true };
  });
}
