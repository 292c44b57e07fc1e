import { index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { companyTenantPolicy } from '../../platform/db/index.js';

/** Every secret the product keeps (GHL tokens, integration secrets) lives here, encrypted. */
export const vaultSecrets = pgTable(
  'vault_secrets',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    /** What the secret is for, e.g. ghl.access_token or integration.secret; never the secret itself. */
    purpose: text('purpose').notNull(),
    keyId: text('key_id').notNull(),
    ciphertext: text('ciphertext').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (table) => [index('vault_secrets_company_id_idx').on(table.companyId), index('vault_secrets_key_id_idx').on(table.keyId), companyTenantPolicy('vault_secrets')],
).enableRLS();
