import { doublePrecision, index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { locationTenantPolicy, timestamptz } from '../../../platform/db/index.js';

/*
 * Periodic reconciliation (docs/reconciliation.md): each run pages GHL for the records of a location
 * changed since the last checkpoint and repairs what webhooks missed. A run has one row per entity;
 * an entity's checkpoint is the newest GHL change time it has seen, and the next run of the location
 * starts from the newest finished entity row's checkpoint (minus a small overlap).
 */

/** One reconciliation of one location. */
export const reconcileRuns = pgTable(
  'reconcile_runs',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    ghlLocationId: text('ghl_location_id').notNull(),
    /** scheduled | manual */
    trigger: text('trigger').notNull(),
    /** pending | running | done | partial (an entity failed) | failed (the job gave up) */
    status: text('status').notNull().default('pending'),
    /** The `ghl.reconcile-location` job that runs it. */
    jobId: text('job_id'),
    listedCount: integer('listed_count').notNull().default(0),
    repairedCount: integer('repaired_count').notNull().default(0),
    /** (listed − repaired) / listed over all entities, 1 when nothing changed; set when the run finishes. */
    coverage: doublePrecision('coverage'),
    error: text('error'),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [index('reconcile_runs_location_idx').on(table.locationId, table.createdAt), locationTenantPolicy('reconcile_runs')],
).enableRLS();

/** One entity (contacts, opportunities, appointments, messages, invoices) of a run. */
export const reconcileRunEntities = pgTable(
  'reconcile_run_entities',
  {
    runId: text('run_id').notNull(),
    entity: text('entity').notNull(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    position: integer('position').notNull(),
    /** pending | running | done | failed */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** The checkpoint this run started from (the previous run's, or the setup sync's start). */
    previousCheckpointAt: timestamptz('previous_checkpoint_at'),
    /** Lower bound asked of GHL: the previous checkpoint minus the overlap. */
    sinceAt: timestamptz('since_at'),
    /** High-water mark: the newest GHL change time listed so far (never below the previous checkpoint). */
    checkpointAt: timestamptz('checkpoint_at'),
    /** Where a resumed attempt continues (GHL paging cursor). */
    cursor: jsonb('cursor'),
    /** Records GHL returned, before filtering by change time. */
    fetchedCount: integer('fetched_count').notNull().default(0),
    /** Changes counted for coverage (see docs: the overlap window counts only what it repaired). */
    listedCount: integer('listed_count').notNull().default(0),
    /** Listed changes our row did not reflect yet and that the CRM rules applied: missed webhooks. */
    repairedCount: integer('repaired_count').notNull().default(0),
    /** Listed changes our row did not reflect that the CRM rules refused (pending local edits, echo, delivery-time version). */
    unappliedCount: integer('unapplied_count').notNull().default(0),
    requestCount: integer('request_count').notNull().default(0),
    error: text('error'),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.runId, table.entity] }),
    index('reconcile_run_entities_checkpoint_idx').on(table.locationId, table.entity, table.finishedAt),
    locationTenantPolicy('reconcile_run_entities'),
  ],
).enableRLS();
