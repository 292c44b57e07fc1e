import { sql } from 'drizzle-orm';
import { index, integer, pgPolicy, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { appRole, companyTenantPolicy, locationTenantPolicy } from '../../platform/db/index.js';

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

export const companies = pgTable(
  'companies',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    ghlCompanyId: text('ghl_company_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('companies_ghl_company_id_key').on(table.ghlCompanyId),
    pgPolicy('companies_tenant_isolation', {
      as: 'permissive',
      for: 'all',
      to: appRole,
      using: sql`(current_setting('app.platform_admin', true) = 'on' or id = current_setting('app.company_id', true))`,
      withCheck: sql`(current_setting('app.platform_admin', true) = 'on' or id = current_setting('app.company_id', true))`,
    }),
  ],
).enableRLS();

export const locations = pgTable(
  'locations',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull().references(() => companies.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    ghlLocationId: text('ghl_location_id'),
    timezone: text('timezone'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('locations_ghl_location_id_key').on(table.ghlLocationId),
    index('locations_company_id_idx').on(table.companyId),
    pgPolicy('locations_tenant_isolation', {
      as: 'permissive',
      for: 'all',
      to: appRole,
      using: sql`(current_setting('app.platform_admin', true) = 'on' or (company_id = current_setting('app.company_id', true) and (current_setting('app.location_ids', true) = '*' or id = any(string_to_array(current_setting('app.location_ids', true), ',')))))`,
      withCheck: sql`(current_setting('app.platform_admin', true) = 'on' or company_id = current_setting('app.company_id', true))`,
    }),
  ],
).enableRLS();

export const users = pgTable(
  'users',
  {
    id: text('id').primaryKey(),
    /** Null only for platform admins, who belong to no agency. */
    companyId: text('company_id').references(() => companies.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    /** platform_admin | agency_admin | member; location roles live in location_memberships. */
    role: text('role').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('users_email_key').on(table.email),
    index('users_company_id_idx').on(table.companyId),
    companyTenantPolicy('users'),
  ],
).enableRLS();

export const locationMemberships = pgTable(
  'location_memberships',
  {
    companyId: text('company_id').notNull().references(() => companies.id, { onDelete: 'cascade' }),
    locationId: text('location_id').notNull().references(() => locations.id, { onDelete: 'cascade' }),
    userId: text('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    /** location_admin | location_member */
    role: text('role').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    primaryKey({ columns: [table.locationId, table.userId] }),
    index('location_memberships_user_id_idx').on(table.userId),
    locationTenantPolicy('location_memberships'),
  ],
).enableRLS();

export const apiKeys = pgTable(
  'api_keys',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull().references(() => companies.id, { onDelete: 'cascade' }),
    locationId: text('location_id').notNull().references(() => locations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** location_admin | location_member: what the key may do in its location. */
    role: text('role').notNull().default('location_member'),
    /** Public, unique part of the key used to find it; the rest is only stored as a SHA-256 hash. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdByUserId: text('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [uniqueIndex('api_keys_prefix_key').on(table.prefix), locationTenantPolicy('api_keys')],
).enableRLS();

export const invites = pgTable(
  'invites',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull().references(() => companies.id, { onDelete: 'cascade' }),
    /** Null: the invite joins the agency itself (agency_admin or member). */
    locationId: text('location_id').references(() => locations.id, { onDelete: 'cascade' }),
    role: text('role').notNull(),
    email: text('email'),
    codePrefix: text('code_prefix').notNull(),
    codeHash: text('code_hash').notNull(),
    maxUses: integer('max_uses').notNull().default(1),
    useCount: integer('use_count').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdByUserId: text('created_by_user_id').references(() => users.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [uniqueIndex('invites_code_prefix_key').on(table.codePrefix), companyTenantPolicy('invites')],
).enableRLS();

/** Fixed-window attempt counters for login (per account, per IP) and sign-up (per IP) throttling; shared by every instance through Postgres. */
export const authThrottle = pgTable('auth_throttle', {
  key: text('key').primaryKey(),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true, mode: 'date' }).notNull(),
  attempts: integer('attempts').notNull(),
});

/**
 * One row per signed-in session (a login, a sign-up, a demo session). Every session JWT names its
 * row (`sid`), and a request counts only while that row is live: logging out, "sign out other
 * sessions" and removing the user end a session at once instead of at the token's expiry.
 */
export const userSessions = pgTable(
  'user_sessions',
  {
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Null only for platform admins, who belong to no agency. */
    companyId: text('company_id').references(() => companies.id, { onDelete: 'cascade' }),
    /** What started it, so a user can tell their sessions apart: the User-Agent (cut to 200 characters) and the client IP. */
    userAgent: text('user_agent'),
    ip: text('ip'),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true, mode: 'date' }),
  },
  (table) => [index('user_sessions_user_id_idx').on(table.userId), index('user_sessions_expires_at_idx').on(table.expiresAt), companyTenantPolicy('user_sessions')],
).enableRLS();
