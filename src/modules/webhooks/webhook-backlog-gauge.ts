import type { Database } from '../../platform/db/index.js';
import type { Logger } from '../../platform/log/index.js';
import type { BacklogGauge } from './ingest-webhook.js';
import { countInboxBacklog } from './webhook-inbox.repo.js';

export interface RunningBacklogGauge extends BacklogGauge {
  stop(): void;
}

/**
 * Counting on every request would double the ingest cost; a count refreshed in the background is
 * enough to shed load (429) once the backlog passes its limit.
 */
export function startBacklogGauge(database: Database, options: { limit: number; intervalMs: number; logger: Logger }): RunningBacklogGauge {
  let backlog = 0;
  let isRefreshing = false;
  const refresh = async () => {
    if (isRefreshing) return;
    isRefreshing = true;
    try {
      backlog = await countInboxBacklog(database.db, options.limit + 1);
    } catch (error) {
      options.logger.debug({ err: error }, 'webhook backlog count failed');
    } finally {
      isRefreshing = false;
    }
  };
  void refresh();
  const timer = setInterval(() => void refresh(), options.intervalMs);
  timer.unref();
  return {
    isOverLimit: () => backlog > options.limit,
    stop: () => clearInterval(timer),
  };
}
