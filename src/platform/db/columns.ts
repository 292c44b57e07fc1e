import { jsonb, text, timestamp } from 'drizzle-orm/pg-core';

/** Every timestamp column: timezone-aware, read as Date. */
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Keys of a local mirror of an external record (GHL contacts, pipelines…): our id, the tenant, and the
 * source's id, unique per location.
 */
export const mirrorKeys = () => ({
  id: text('id').primaryKey(),
  companyId: text('company_id').notNull(),
  locationId: text('location_id').notNull(),
  ghlId: text('ghl_id').notNull(),
});

/**
 * Versioning columns of a mirror: the source's change time (and delivery time as tie-break), the last
 * payload applied, a final soft-delete tombstone and our own timestamps.
 */
export const mirrorSourceColumns = () => ({
  sourceUpdatedAt: timestamptz('source_updated_at').notNull(),
  sourceEventAt: timestamptz('source_event_at'),
  raw: jsonb('raw').notNull(),
  deletedAt: timestamptz('deleted_at'),
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
});
