import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * One row per (job, time slot): the instance whose insert wins runs that slot, so a job runs once
 * per slot however many instances are up. A system table (no tenant).
 */
export const scheduledRuns = pgTable(
  'scheduled_runs',
  {
    jobName: text('job_name').notNull(),
    slotAt: timestamp('slot_at', { withTimezone: true, mode: 'date' }).notNull(),
    claimedBy: text('claimed_by').notNull(),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    /** running | done | failed */
    status: text('status').notNull(),
    error: text('error'),
    /** Short JSON summary the job returned (counts), for operators. */
    summary: text('summary'),
  },
  (table) => [primaryKey({ columns: [table.jobName, table.slotAt] })],
);
