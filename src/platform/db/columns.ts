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
 * Keys of a mirror that may also be written here first (contacts, opportunities, appointments): the
 * source's id is null until the outbox has created the record in the source. Unique indexes ignore
 * nulls, so any number of unpushed rows coexist.
 */
export const localFirstMirrorKeys = () => ({
  id: text('id').primaryKey(),
  companyId: text('company_id').notNull(),
  locationId: text('location_id').notNull(),
  ghlId: text('ghl_id'),
});

/**
 * Write-through bookkeeping of a local-first mirror:
 * - `local_changes`: edits made here that GHL has not confirmed, by column:
 *   `{ value, base, at, sent? }` (`base` = the value GHL had when the edit was made, `sent` = the value
 *   of a push in flight). `_deleted` marks a local delete waiting to be pushed.
 * - `last_pushed_at`: when GHL last confirmed a push; webhooks that merely echo it are recognised.
 * - `push_error`: why the last push was refused (cleared by the next success).
 * - `created_ghl_id`: the source's id of a record a push created, recorded the moment the source
 *   answered and cleared when the push is confirmed: a retry confirms it instead of creating another.
 */
export const writeThroughColumns = () => ({
  localChanges: jsonb('local_changes').notNull().default({}),
  lastPushedAt: timestamptz('last_pushed_at'),
  pushError: text('push_error'),
  createdGhlId: text('created_ghl_id'),
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
