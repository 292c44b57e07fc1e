import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { companyTenantPolicy, locationTenantPolicy, timestamptz } from '../../platform/db/index.js';


/**
 * One row per app installation target: a location (installType Location) or an agency (Company,
 * location_id null). Uninstalling keeps the row and every synced row; OAuth will add token columns
 * (vault secret ids) here later.
 */
export const ghlInstallations = pgTable(
  'ghl_installations',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    /** Null for agency-level installs. */
    locationId: text('location_id'),
    ghlCompanyId: text('ghl_company_id'),
    ghlLocationId: text('ghl_location_id'),
    appId: text('app_id').notNull(),
    versionId: text('version_id'),
    /** Company | Location */
    installType: text('install_type').notNull(),
    /** GHL location id for Location installs, GHL company id for Company installs. */
    ghlTargetId: text('ghl_target_id').notNull(),
    /** installed | uninstalled | needs_reauth */
    status: text('status').notNull(),
    planId: text('plan_id'),
    installedByGhlUserId: text('installed_by_ghl_user_id'),
    installedAt: timestamptz('installed_at'),
    uninstalledAt: timestamptz('uninstalled_at'),
    /** Time of the newest lifecycle event applied; an older one never overwrites the row. */
    lastEventAt: timestamptz('last_event_at').notNull(),
    raw: jsonb('raw').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('ghl_installations_target_key').on(table.appId, table.installType, table.ghlTargetId),
    index('ghl_installations_company_idx').on(table.companyId),
    index('ghl_installations_ghl_company_idx').on(table.ghlCompanyId),
    companyTenantPolicy('ghl_installations'),
  ],
).enableRLS();

/**
 * GHL's view of a location (LocationCreate/LocationUpdate), kept so a stale LocationUpdate cannot
 * overwrite the name or timezone it already moved onto our locations row.
 */
export const ghlLocations = pgTable(
  'ghl_locations',
  {
    ghlLocationId: text('ghl_location_id').primaryKey(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    ghlCompanyId: text('ghl_company_id').notNull(),
    name: text('name'),
    email: text('email'),
    timezone: text('timezone'),
    sourceUpdatedAt: timestamptz('source_updated_at').notNull(),
    sourceEventAt: timestamptz('source_event_at'),
    raw: jsonb('raw').notNull(),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [uniqueIndex('ghl_locations_location_id_key').on(table.locationId), locationTenantPolicy('ghl_locations')],
).enableRLS();
