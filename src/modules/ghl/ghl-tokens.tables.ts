import { index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { companyTenantPolicy } from '../../platform/db/index.js';

/**
 * One OAuth token pair per GHL subject (a location or an agency). The tokens themselves live in the
 * vault; this row holds their secret ids, expiry and state, and the refresh lease that makes refresh
 * single-flight across processes (GHL refresh tokens are single-use).
 */
export const ghlTokens = pgTable(
  'ghl_tokens',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    /** Our location for Location tokens; null for the agency (Company) token. */
    locationId: text('location_id'),
    /** `location:<ghlLocationId>` or `company:<ghlCompanyId>`. */
    subjectKey: text('subject_key').notNull(),
    userType: text('user_type').notNull(),
    ghlCompanyId: text('ghl_company_id').notNull(),
    ghlLocationId: text('ghl_location_id'),
    accessSecretId: text('access_secret_id'),
    refreshSecretId: text('refresh_secret_id'),
    accessExpiresAt: timestamp('access_expires_at', { withTimezone: true, mode: 'date' }),
    scopes: text('scopes').notNull().default(''),
    ghlUserId: text('ghl_user_id'),
    planId: text('plan_id'),
    /** active | needs_reauth | revoked */
    status: text('status').notNull().default('active'),
    statusReason: text('status_reason'),
    refreshCount: integer('refresh_count').notNull().default(0),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true, mode: 'date' }),
    /**
     * Who is refreshing now, and until when. Taken in a short transaction before the call to GHL and
     * cleared when the result is stored; a holder that dies simply lets it expire.
     */
    refreshLeaseId: text('refresh_lease_id'),
    refreshLeaseUntil: timestamp('refresh_lease_until', { withTimezone: true, mode: 'date' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('ghl_tokens_subject_key_key').on(table.subjectKey),
    index('ghl_tokens_company_id_idx').on(table.companyId),
    index('ghl_tokens_access_expires_at_idx').on(table.accessExpiresAt),
    companyTenantPolicy('ghl_tokens'),
  ],
).enableRLS();
