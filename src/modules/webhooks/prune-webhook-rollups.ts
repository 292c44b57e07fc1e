import type { Clock } from '../../platform/clock/clock.js';
import type { Database } from '../../platform/db/index.js';
import type { ScheduledJob } from '../../platform/scheduler/index.js';
import { deleteRollupsBefore } from './webhook-rollups.repo.js';

export const PRUNE_ROLLUPS_JOB_NAME = 'webhooks.prune-rollups';

/** Deletes rollup minutes older than `retentionDays`, in short batches (PGlite stays responsive). */
export async function pruneWebhookRollups(database: Database, clock: Clock, settings: { retentionDays: number; batchSize?: number }): Promise<{ deletedRows: number }> {
  const batchSize = settings.batchSize ?? 5000;
  const cutoff = new Date(clock.now().getTime() - settings.retentionDays * 86_400_000);
  let deletedRows = 0;
  for (;;) {
    const deleted = await database.system((tx) => deleteRollupsBefore(tx, cutoff, batchSize));
    deletedRows += deleted;
    if (deleted < batchSize) break;
  }
  return { deletedRows };
}

/** The scheduler runs it once per slot across instances (hourly). */
export function webhookRollupRetentionJob(database: Database, clock: Clock, settings: { retentionDays: number; cron: string }): ScheduledJob {
  return { name: PRUNE_ROLLUPS_JOB_NAME, cron: settings.cron, run: () => pruneWebhookRollups(database, clock, settings) };
}
