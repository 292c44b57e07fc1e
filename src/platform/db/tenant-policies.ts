import { sql } from 'drizzle-orm';
import { pgPolicy, pgRole } from 'drizzle-orm/pg-core';
import { APP_ROLE } from './database.js';

/** Created by the first (hand-written) migration; drizzle-kit must not try to manage it. */
export const appRole = pgRole(APP_ROLE).existing();

const isPlatformAdmin = sql`current_setting('app.platform_admin', true) = 'on'`;
const isSameCompany = sql`company_id = current_setting('app.company_id', true)`;
const isAllowedLocation = sql`(current_setting('app.location_ids', true) = '*' or location_id = any(string_to_array(current_setting('app.location_ids', true), ',')))`;

/** RLS for a table keyed by company_id: the app role sees only the current company's rows. */
export function companyTenantPolicy(table: string) {
  const check = sql`(${isPlatformAdmin} or ${isSameCompany})`;
  return pgPolicy(`${table}_tenant_isolation`, { as: 'permissive', for: 'all', to: appRole, using: check, withCheck: check });
}

/** RLS for a table keyed by company_id and location_id: the current company and the caller's locations. */
export function locationTenantPolicy(table: string) {
  const check = sql`(${isPlatformAdmin} or (${isSameCompany} and ${isAllowedLocation}))`;
  return pgPolicy(`${table}_tenant_isolation`, { as: 'permissive', for: 'all', to: appRole, using: check, withCheck: check });
}
