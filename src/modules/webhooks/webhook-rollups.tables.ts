import { doublePrecision, index, integer, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Per-minute counters of the webhook pipeline, so dashboards and their time series never scan
 * webhook_events. One row per (minute, queue, tenant key); workers and ingest add to it in batches.
 * `tenant_key` is the event's fairness key (GHL location id, else GHL company id, else ''); the
 * extra row with tenant_key '*' holds every tenant's sum, so platform-wide charts read 1 row per
 * queue and minute however many locations there are. A system table (no RLS, like the inbox): the
 * repo filters by tenant key for agency admins.
 */
export const webhookRollups = pgTable(
  'webhook_rollups',
  {
    /** Start of the minute (UTC). */
    bucketAt: timestamp('bucket_at', { withTimezone: true, mode: 'date' }).notNull(),
    queue: text('queue').notNull(),
    tenantKey: text('tenant_key').notNull(),
    /** Events stored by ingest in this minute. */
    received: integer('received').notNull().default(0),
    /** Finished in this minute, by outcome. `failed` counts failed attempts that will be retried, `dead` the last ones. */
    done: integer('done').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    dead: integer('dead').notNull().default(0),
    /** Done or skipped first deliveries (replays left out, as in the status API) whose receipt-to-done was measured. */
    latencyCount: integer('latency_count').notNull().default(0),
    latencySumMs: doublePrecision('latency_sum_ms').notNull().default(0),
    /** Of those, within their queue's SLA. */
    withinSla: integer('within_sla').notNull().default(0),
    /** Counts per latency bucket; bounds in ROLLUP_LATENCY_BOUNDS_MS (webhook-rollup-histogram.ts), last = above the highest bound. */
    latencyBuckets: integer('latency_buckets').array().notNull(),
  },
  (table) => [
    primaryKey({ name: 'webhook_rollups_pkey', columns: [table.bucketAt, table.queue, table.tenantKey] }),
    index('webhook_rollups_tenant_idx').on(table.tenantKey, table.bucketAt),
  ],
);
