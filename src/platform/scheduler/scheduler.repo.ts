import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Executor } from '../db/index.js';
import { scheduledRuns } from './scheduler.tables.js';

/** Inserts the (job, slot) row; true when this instance claimed the slot (no other instance had). */
export async function claimScheduledSlot(tx: Executor, input: { jobName: string; slotAt: Date; claimedBy: string; startedAt: Date }): Promise<boolean> {
  const claimed = await tx
    .insert(scheduledRuns)
    .values({ ...input, status: 'running' })
    .onConflictDoNothing()
    .returning({ jobName: scheduledRuns.jobName });
  return claimed.length > 0;
}

export async function finishScheduledSlot(tx: Executor, input: { jobName: string; slotAt: Date; status: string; error: string | null; summary: string | null; finishedAt: Date }): Promise<void> {
  await tx
    .update(scheduledRuns)
    .set({ status: input.status, error: input.error, summary: input.summary, finishedAt: input.finishedAt })
    .where(and(eq(scheduledRuns.jobName, input.jobName), eq(scheduledRuns.slotAt, input.slotAt)));
}

export async function listScheduledRuns(tx: Executor, limit: number) {
  return tx.select().from(scheduledRuns).orderBy(desc(scheduledRuns.startedAt)).limit(limit);
}

export async function deleteScheduledRunsBefore(tx: Executor, cutoff: Date): Promise<number> {
  const deleted = await tx.delete(scheduledRuns).where(lt(scheduledRuns.startedAt, sql`${cutoff.toISOString()}::timestamptz`)).returning({ jobName: scheduledRuns.jobName });
  return deleted.length;
}
