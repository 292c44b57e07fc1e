import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { timestamptz } from '../db/columns.js';
import { locationTenantPolicy } from '../db/tenant-policies.js';

/*
 * The run engine's bookkeeping (docs/ARCHITECTURE.md §10): one row per run of a kind (setup sync,
 * reconciliation, …) and one per step of it. A run is executed by a job; a step's cursor is its
 * checkpoint, moved in the transaction that applied the step's page, so a crashed run resumes exactly
 * after the last committed page.
 */

/** One run of one kind over one location. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    /** The run definition, e.g. `setup-sync`, `reconcile`. */
    kind: text('kind').notNull(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    /** What the run works on beyond its scope (e.g. the GHL location id). */
    params: jsonb('params').notNull(),
    /** install | scheduled | manual */
    trigger: text('trigger').notNull(),
    /** pending | running | done | partial (a step failed or was skipped) | failed (the job gave up) */
    status: text('status').notNull().default('pending'),
    /** The job that executes the run; its lease fences every write of the run. */
    jobId: text('job_id'),
    /** When every step marked required was done (setup sync: the location is usable). */
    readyAt: timestamptz('ready_at'),
    /** The definition's report (setup sync: grade and figures; reconciliation: totals and coverage). */
    summary: jsonb('summary'),
    error: text('error'),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [index('runs_location_kind_idx').on(table.locationId, table.kind, table.createdAt), locationTenantPolicy('runs')],
).enableRLS();

/** One step of a run. */
export const runSteps = pgTable(
  'run_steps',
  {
    runId: text('run_id').notNull(),
    step: text('step').notNull(),
    /** The run's kind, repeated so per-kind reads of a location need no join. */
    kind: text('kind').notNull(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    position: integer('position').notNull(),
    /** pending | running | done | failed | skipped */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** Fixed on the step's first start, so a resumed attempt works on the same range. */
    params: jsonb('params'),
    /** The checkpoint: where a resumed attempt continues. */
    cursor: jsonb('cursor'),
    /** The newest source change time the step has seen (moves only forward). */
    highWaterAt: timestamptz('high_water_at'),
    recordCount: integer('record_count').notNull().default(0),
    requestCount: integer('request_count').notNull().default(0),
    rateLimitedCount: integer('rate_limited_count').notNull().default(0),
    /** The definition's own counters, added to page by page ({ listed, repaired, … }). */
    counts: jsonb('counts').notNull().default(sql`'{}'::jsonb`),
    /** Summed over attempts, so a resumed step reports its whole cost. */
    durationMs: integer('duration_ms').notNull().default(0),
    error: text('error'),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.runId, table.step] }),
    index('run_steps_location_kind_idx').on(table.locationId, table.kind, table.step, table.finishedAt),
    locationTenantPolicy('run_steps'),
  ],
).enableRLS();
