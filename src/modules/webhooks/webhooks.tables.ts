import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * The inbox is the queue: one row per delivery, written before any tenant is known, so it is a system
 * table without RLS. The ops API enforces tenant access itself (see webhook-ops.repo.ts).
 */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    /** Identity, so id order is arrival order (per-entity ordering relies on it). */
    id: bigint('id', { mode: 'bigint' }).primaryKey().generatedAlwaysAsIdentity(),
    /** ghl | ghl_workflow | integration */
    provider: text('provider').notNull(),
    /** GHL's webhookId (prefixed by integration for HMAC providers), or sha256:<body hash> when none. */
    deliveryId: text('delivery_id').notNull(),
    eventType: text('event_type').notNull(),
    queue: text('queue').notNull(),
    priority: smallint('priority').notNull(),
    ghlLocationId: text('ghl_location_id'),
    ghlCompanyId: text('ghl_company_id'),
    /** Round-robin unit of the claim: the location, else the company, else ''. */
    fairnessKey: text('fairness_key').notNull(),
    /** provider:location:family:entity; null = no ordering constraint. */
    orderingKey: text('ordering_key'),
    /** dateUpdated / updatedAt / envelope timestamp: the entity version this event carries, if any. */
    occurredAt: at('occurred_at'),
    payload: jsonb('payload').notNull(),
    bodySha256: text('body_sha256').notNull(),
    /** pending | running | done | retry | dead | skipped */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    runAt: at('run_at').notNull().defaultNow(),
    leaseUntil: at('lease_until'),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    /** [{ attempt, at, error }], newest last, capped. */
    errors: jsonb('errors').notNull().default(sql`'[]'::jsonb`),
    replayCount: integer('replay_count').notNull().default(0),
    receivedAt: at('received_at').notNull().defaultNow(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (table) => [
    uniqueIndex('webhook_events_provider_delivery_key').on(table.provider, table.deliveryId),
    index('webhook_events_claim_idx')
      .on(table.queue, table.fairnessKey, table.priority.desc(), table.runAt, table.id)
      .where(sql`status in ('pending', 'retry')`),
    index('webhook_events_ordering_idx').on(table.orderingKey, table.id).where(sql`status in ('pending', 'retry', 'running')`),
    index('webhook_events_lease_idx').on(table.leaseUntil).where(sql`status = 'running'`),
    index('webhook_events_finished_idx').on(table.queue, table.finishedAt).where(sql`status in ('done', 'skipped')`),
    index('webhook_events_location_idx').on(table.ghlLocationId, table.id),
    index('webhook_events_status_idx').on(table.status, table.id),
  ],
);

/** Newest entity version applied per ordering key: the dispatcher's guard against stale events. */
export const webhookEntityVersions = pgTable('webhook_entity_versions', {
  orderingKey: text('ordering_key').primaryKey(),
  versionAt: at('version_at').notNull(),
  eventId: bigint('event_id', { mode: 'bigint' }).notNull(),
  updatedAt: at('updated_at').notNull().defaultNow(),
});
