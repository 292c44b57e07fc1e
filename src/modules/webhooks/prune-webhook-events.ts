import { Cron } from 'croner';
import type { Database } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { Clock } from '../../platform/clock/clock.js';
import { deleteEntityVersionsBefore, deleteFinishedInboxRows } from './webhook-inbox.repo.js';

export interface RetentionSettings {
  retentionDays: number;
  /** Entity versions must outlive the replay window, or a stale body could slip through after pruning. */
  timestampToleranceSeconds: number;
  batchSize?: number;
}

/**
 * Deletes done and skipped events finished more than `retentionDays` ago, in short batches so the
 * API stays responsive on PGlite. Dead events stay until replayed or deleted.
 */
export async function pruneWebhookEvents(database: Database, clock: Clock, settings: RetentionSettings): Promise<{ deletedEvents: number; deletedVersions: number }> {
  const batchSize = settings.batchSize ?? 2000;
  const cutoff = new Date(clock.now().getTime() - settings.retentionDays * 86_400_000);
  let deletedEvents = 0;
  for (;;) {
    const deleted = await database.system((tx) => deleteFinishedInboxRows(tx, cutoff, batchSize));
    deletedEvents += deleted;
    if (deleted < batchSize) break;
  }
  const versionCutoff = new Date(Math.min(cutoff.getTime(), clock.now().getTime() - settings.timestampToleranceSeconds * 1000 * 2));
  const deletedVersions = await database.system((tx) => deleteEntityVersionsBefore(tx, versionCutoff));
  return { deletedEvents, deletedVersions };
}

/** Runs the prune on a cron schedule in every worker process; concurrent runs are harmless (SKIP LOCKED batches). */
export function scheduleWebhookRetention(database: Database, clock: Clock, logger: Logger, settings: RetentionSettings & { cron: string }): { stop(): void } {
  const job = new Cron(settings.cron, { protect: true, unref: true }, async () => {
    try {
      const result = await pruneWebhookEvents(database, clock, settings);
      if (result.deletedEvents > 0) logger.info(result, 'pruned finished webhook events');
    } catch (error) {
      logger.error({ err: error }, 'webhook retention failed');
    }
  });
  return { stop: () => job.stop() };
}
