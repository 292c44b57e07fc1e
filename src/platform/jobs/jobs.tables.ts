import { sql } from 'drizzle-orm';
import { bigint, index, integer, jsonb, pgTable, smallint, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { companyTenantPolicy } from '../db/tenant-policies.js';

const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Outbound work (pushes to GHL, setup sync, notifications, reports): the transactional outbox. A job
 * is inserted in the same transaction as the state change that wants it, so it exists exactly when
 * that change committed. Workers claim with SKIP LOCKED under a lease, like the webhook inbox.
 * RLS lets a tenant transaction enqueue (and see) jobs of its own company; workers run as system.
 */
export const jobs = pgTable(
  'jobs',
  {
    /** Identity, so id order is enqueue order (per-ordering-key FIFO relies on it). */
    id: bigint('id', { mode: 'bigint' }).primaryKey().generatedAlwaysAsIdentity(),
    /** `module.verb-noun`, e.g. `crm.setup-sync`. */
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull().default(sql`'{}'::jsonb`),
    companyId: text('company_id'),
    locationId: text('location_id'),
    /** Enqueueing the same (kind, key) twice yields one job. */
    idempotencyKey: text('idempotency_key'),
    /** Jobs sharing a key run one at a time, in id order; null = no constraint. */
    orderingKey: text('ordering_key'),
    priority: smallint('priority').notNull().default(0),
    /** pending | running | retry | done | dead */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    maxAttempts: integer('max_attempts').notNull().default(8),
    runAt: at('run_at').notNull().defaultNow(),
    leaseUntil: at('lease_until'),
    lockedBy: text('locked_by'),
    lastError: text('last_error'),
    /** [{ attempt, at, error }], newest last, capped. */
    errors: jsonb('errors').notNull().default(sql`'[]'::jsonb`),
    createdAt: at('created_at').notNull().defaultNow(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (table) => [
    uniqueIndex('jobs_kind_idempotency_key').on(table.kind, table.idempotencyKey),
    index('jobs_ready_idx').on(table.priority.desc(), table.runAt, table.id).where(sql`status in ('pending', 'retry')`),
    index('jobs_ordering_idx').on(table.orderingKey, table.id).where(sql`status in ('pending', 'retry', 'running')`),
    index('jobs_lease_idx').on(table.leaseUntil).where(sql`status = 'running'`),
    index('jobs_location_idx').on(table.locationId, table.id),
    companyTenantPolicy('jobs'),
  ],
).enableRLS();
