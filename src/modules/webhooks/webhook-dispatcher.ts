import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { commitAsynchronously, type Database, type Tx } from '../../platform/db/index.js';
import { describeError, type Logger } from '../../platform/log/index.js';
import { Semaphore, computeBackoffSeconds, startPollingLoop, type PollingLoop, type WakeupHub } from '../../platform/queue/index.js';
import type { BatchOutcome, ProcessOutcome, ProcessorRegistry, WebhookBatchProcessor, WebhookEvent } from './processor-registry.js';
import {
  advanceEntityVersion,
  advanceEntityVersions,
  claimInboxRows,
  failInboxRow,
  finishInboxRow,
  finishInboxRows,
  lockClaimedInboxRows,
  releaseExpiredLeases,
  extendInboxLeases,
  skipUnhandledInboxRows,
  type ClaimedRow,
} from './webhook-inbox.repo.js';
import { WEBHOOK_QUEUES, type WebhookQueueName } from './webhook-routing.js';
import type { FinishedWebhook } from './webhook-rollup-recorder.js';

export interface DispatcherSettings {
  maxAttempts: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  leaseSeconds: number;
  batchSize: number;
  concurrency: number;
  perLocation: number;
  idleMs: number;
  /** Share of a queue's SLA after which its waiting work ranks with the best bulk level (overdueRank). */
  overdueShare: number;
}

export interface DispatcherDeps {
  database: Database;
  registry: ProcessorRegistry;
  hub: WakeupHub;
  logger: Logger;
  settings: DispatcherSettings;
  queues: readonly WebhookQueueName[];
  workerId?: string;
  random?: () => number;
  /**
   * Awaited before each database step. On PGlite (one connection) ingest passes its group committer
   * here, so a waiting webhook batch is written before the next worker step: receipt beats processing.
   */
  yieldToIngest?: () => Promise<void>;
  /** True while a webhook batch waits to be written (PGlite: a processing transaction then ends after its turn). */
  isIngestWaiting?: () => boolean;
  /** Told of every finished event and failed attempt after it committed (the rollup recorder counts them in memory). */
  onFinished?: (finished: FinishedWebhook) => void;
}

export interface RunningDispatcher {
  workerId: string;
  stop(): Promise<void>;
}

class LeaseLostError extends Error {
  constructor(eventId: string) {
    super(`lease on webhook event ${eventId} was lost before commit`);
    this.name = 'LeaseLostError';
  }
}

function toDate(value: string | Date): Date {
  return value instanceof Date ? value : new Date(value);
}

export function toWebhookEvent(row: ClaimedRow): WebhookEvent {
  return {
    id: row.id,
    provider: row.provider as WebhookEvent['provider'],
    eventType: row.eventType,
    deliveryId: row.deliveryId,
    ghlLocationId: row.ghlLocationId,
    ghlCompanyId: row.ghlCompanyId,
    payload: row.payload,
    receivedAt: toDate(row.receivedAt),
    attempt: row.attempts,
    orderingKey: row.orderingKey,
    occurredAt: row.occurredAt === null ? null : toDate(row.occurredAt),
  };
}

/** The most rows of one location in a claim: at the per-location cap, that location may have more ready. */
function mostOfOneLocation(rows: readonly ClaimedRow[]): number {
  const counts = new Map<string, number>();
  let most = 0;
  for (const row of rows) {
    const count = (counts.get(row.fairnessKey) ?? 0) + 1;
    counts.set(row.fairnessKey, count);
    most = Math.max(most, count);
  }
  return most;
}

async function runWithConcurrency<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

/**
 * Continuous workers: one claim loop per queue, each claiming a fair batch (SKIP LOCKED, leased),
 * then running every processor of an event inside one transaction that also marks it finished, so
 * effects and completion commit together (exactly once in effect).
 */
/**
 * PGlite has one session: ingest's inserts wait for a whole processing transaction. A transaction
 * there stops taking more events once it has run this long while a webhook batch waits to be written,
 * commits what it did and gives ingest its turn (the group committer's yieldTurn) before going on.
 */
const PGLITE_TURN_MS = 25;
/** Events applied between two looks at the clock on PGlite (the unit a turn can end after). */
const PGLITE_SLICE_EVENTS = 25;

/**
 * A claim is split into parallel chunks only down to this size: every chunk is a transaction of its
 * own (begin, lock, the appliers, finish, commit), and below it the statements saved by one
 * transaction outweigh the parallelism on a small machine.
 */
const MIN_CHUNK_EVENTS = 32;

/** The best bulk level (financial's): where overdue bulk queues meet, first come first served. */
const OVERDUE_RANK = 2;

/**
 * The rank a queue's worker steps wait with: its own priority, or OVERDUE_RANK once its work is
 * overdue (it has waited `overdueShare` of its SLA). Without this the worst queue (general) ran on
 * PGlite's one session only when no other bulk queue waited, so a burst of several minutes would hold
 * it past its SLA. Overdue queues take turns in the order their rounds began. Never critical's or
 * messages' level (0, 1): those are still served before any bulk queue. On PGlite an overdue queue
 * ends the turn of a bulk transaction that is not overdue, as any better waiter does, but not of one
 * that is (an equal).
 */
export function overdueRank(workerPriority: number, isOverdue: boolean): number {
  return isOverdue ? Math.min(workerPriority, OVERDUE_RANK) : workerPriority;
}

/**
 * Capacity kept free for the tight-SLA queues: the bulk queues (financial included) never hold more
 * than `permits - 2` worker slots, messages with them never more than `permits - 1` (Semaphore
 * ceilings), so a big contacts claim cannot make a critical or messages event wait for a slot.
 */
export function workerSlotCeiling(workerPriority: number, permits: number): number {
  if (workerPriority <= 0) return permits;
  if (workerPriority === 1) return Math.max(1, permits - 1);
  return Math.max(1, permits - 2);
}

export function startWebhookDispatcher(deps: DispatcherDeps): RunningDispatcher {
  const workerId = deps.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const { settings, database, logger } = deps;
  const random = deps.random ?? Math.random;
  // One budget for every queue loop: workers never take more than `concurrency` pool connections, so
  // ingest always finds one. PGlite is a single connection: parallel transactions would only queue.
  const isSingleSession = database.engine === 'pglite';
  const concurrency = isSingleSession ? 1 : settings.concurrency;
  const permits = new Semaphore(concurrency);
  const yieldToIngest = deps.yieldToIngest ?? (() => Promise.resolve());
  const isIngestWaiting = deps.isIngestWaiting ?? (() => false);
  // Fixed per queue for the dispatcher's life, and read at every permit hand-out (rankOf): computed once.
  const factsOf = (priority: number, slaSeconds: number) => ({ priority, ceiling: workerSlotCeiling(priority, concurrency), overdueAfterMs: slaSeconds * 1000 * settings.overdueShare });
  const queueFacts = new Map(WEBHOOK_QUEUES.map((definition) => [definition.name, factsOf(definition.workerPriority, definition.slaSeconds)]));
  const unknownQueueFacts = factsOf(9, 60);
  const priorityOf = (queue: WebhookQueueName) => (queueFacts.get(queue) ?? unknownQueueFacts).priority;
  const ceilingOf = (queue: WebhookQueueName) => (queueFacts.get(queue) ?? unknownQueueFacts).ceiling;
  const overdueAfterMs = (queue: WebhookQueueName) => (queueFacts.get(queue) ?? unknownQueueFacts).overdueAfterMs;
  // A queue is overdue while its current round has waited past its share of the SLA (the first claim of
  // a burst that better queues keep from the session), or while its last claim brought up events that
  // had already waited that long (the backlog behind them is late too).
  const roundStartedAt = new Map<WebhookQueueName, number>();
  const behind = new Set<WebhookQueueName>();
  const isOverdue = (queue: WebhookQueueName) => behind.has(queue) || performance.now() - (roundStartedAt.get(queue) ?? Number.POSITIVE_INFINITY) >= overdueAfterMs(queue);
  const rankOf = (queue: WebhookQueueName) => overdueRank(priorityOf(queue), isOverdue(queue));
  const noteClaimAge = (queue: WebhookQueueName, claimed: readonly ClaimedRow[]) => {
    if (claimed.length === 0) {
      behind.delete(queue);
      return;
    }
    // First attempts only: a retry's received time says when it first came, not how long it waited.
    const firstAttempts = claimed.filter((row) => row.attempts <= 1);
    if (firstAttempts.length === 0) return;
    const oldest = Math.min(...firstAttempts.map((row) => toDate(row.receivedAt).getTime()));
    if (Date.now() - oldest >= overdueAfterMs(queue)) behind.add(queue);
    else behind.delete(queue);
  };
  const step = async <T>(queue: WebhookQueueName, work: () => Promise<T>): Promise<T> =>
    permits.run(
      async () => {
        await yieldToIngest();
        return work();
      },
      priorityOf(queue),
      ceilingOf(queue),
      () => rankOf(queue),
      // Every step of a round (its claim, its transactions) keeps the place the round's first step took.
      roundStartedAt.get(queue),
    );

  const report = (queue: WebhookQueueName, row: ClaimedRow, outcome: FinishedWebhook['outcome']) =>
    deps.onFinished?.({ queue, tenantKey: row.fairnessKey, outcome, receivedAt: toDate(row.receivedAt), isReplay: row.replayCount > 0 });

  const inSavepoint = async <T>(tx: Tx, work: (savepoint: Tx) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> => {
    try {
      return { ok: true, value: await tx.transaction(work) };
    } catch (error) {
      return { ok: false, error };
    }
  };

  /** Every processor of the event's type, in the caller's transaction; skipped only when all of them skip. */
  const runProcessors = async (tx: Tx, event: WebhookEvent): Promise<ProcessOutcome> => {
    const processors = deps.registry.find(event.eventType);
    const skipReasons: string[] = [];
    for (const processor of processors) {
      const result = await processor(tx, event);
      if (result.status === 'skipped') skipReasons.push(result.reason);
    }
    return skipReasons.length === processors.length ? { status: 'skipped', reason: skipReasons.join('; ').slice(0, 2000) } : { status: 'done' };
  };

  const processClaimed = async (queue: WebhookQueueName, row: ClaimedRow): Promise<void> => {
    const event = toWebhookEvent(row);
    try {
      const outcome = await step(queue, () => database.system(async (tx) => {
        // Processing need not wait for its commit to reach disk: if the server crashes before it
        // does, the whole transaction (effects and the done mark) is lost together and the row is
        // retried when its lease expires. Receipt (the ingest insert) stays synchronous.
        if (database.engine === 'postgres') await commitAsynchronously(tx);
        const isCurrent = event.orderingKey && event.occurredAt ? await advanceEntityVersion(tx, { orderingKey: event.orderingKey, versionAt: event.occurredAt, eventId: event.id }) : true;
        const outcome: ProcessOutcome = isCurrent ? await runProcessors(tx, event) : { status: 'skipped', reason: 'stale: a newer version of this entity was already applied' };
        const isFinished = await finishInboxRow(tx, { id: event.id, workerId, status: outcome.status, note: outcome.status === 'skipped' ? outcome.reason : null });
        if (!isFinished) throw new LeaseLostError(event.id);
        return outcome;
      }));
      report(queue, row, outcome.status);
    } catch (error) {
      if (error instanceof LeaseLostError) {
        logger.warn({ eventId: event.id }, error.message);
        return;
      }
      await failRow(queue, row, error);
    }
  };

  const failRow = async (queue: WebhookQueueName, row: ClaimedRow, error: unknown): Promise<void> => {
    const isDead = row.attempts >= settings.maxAttempts;
    const retryInSeconds = isDead ? 0 : computeBackoffSeconds(row.attempts, settings.retryBaseSeconds, settings.retryMaxSeconds, random);
    logger.warn({ eventId: row.id, eventType: row.eventType, attempt: row.attempts, isDead, err: error }, 'webhook processor failed');
    try {
      if (await step(queue, () => failInboxRow(database.db, { id: row.id, workerId, isDead, retryInSeconds, error: describeError(error) }))) report(queue, row, isDead ? 'dead' : 'failed');
    } catch (markError) {
      // The lease expires and the reaper retries the row; nothing is lost.
      logger.error({ eventId: row.id, err: markError }, 'could not record a webhook failure');
    }
  };

  /**
   * Applies locked events: stale events are found in one statement, events served by one batch
   * processor (a family's applier: ContactCreate with ContactUpdate, InboundMessage with
   * OutboundMessage) are applied together, set-based, in a savepoint; the others one after another in
   * savepoints. An event that throws (or that a batch processor left untouched as `failed`) is rolled
   * back to its savepoint and its outcome is `failed`; the others stand. When one batch processor
   * serves the whole transaction (`isWholeTransaction` and one group) it runs without a savepoint: if
   * it throws, the transaction rolls back whole and processBatch runs its events one at a time, the
   * same outcome as rolling back to a savepoint, two statements fewer per claim.
   */
  const applyEvents = async (tx: Tx, events: readonly WebhookEvent[], outcomes: Map<string, BatchOutcome>, isWholeTransaction: boolean): Promise<void> => {
    const versioned = events.filter((event) => event.orderingKey && event.occurredAt);
    const current = await advanceEntityVersions(tx, versioned.map((event) => ({ orderingKey: event.orderingKey as string, versionAt: event.occurredAt as Date, eventId: event.id })));
    const groups = new Map<WebhookBatchProcessor | string, WebhookEvent[]>();
    for (const event of events) {
      if (event.orderingKey && event.occurredAt && !current.has(event.id)) {
        outcomes.set(event.id, { status: 'skipped', reason: 'stale: a newer version of this entity was already applied' });
        continue;
      }
      const key = deps.registry.findBatch(event.eventType) ?? event.eventType;
      const group = groups.get(key);
      if (group) group.push(event);
      else groups.set(key, [event]);
    }
    for (const [key, group] of groups) {
      const batch = typeof key === 'string' ? undefined : key;
      const isBare = isWholeTransaction && groups.size === 1;
      const together = batch && group.length > 1 ? (isBare ? { ok: true as const, value: await batch(tx, group) } : await inSavepoint(tx, (savepoint) => batch(savepoint, group))) : undefined;
      if (together?.ok) {
        group.forEach((event, index) => outcomes.set(event.id, together.value[index] ?? { status: 'failed', error: new Error('the batch processor gave no outcome') }));
        continue;
      }
      // One at a time, each in its own savepoint: a failing event rolls back alone and is retried alone.
      for (const event of group) {
        const alone = await inSavepoint(tx, (savepoint) => runProcessors(savepoint, event));
        outcomes.set(event.id, alone.ok ? alone.value : { status: 'failed', error: alone.error });
      }
    }
  };

  /**
   * Claimed events in one transaction: the rows are locked under this worker's lease (a lost lease
   * drops the row), applied (applyEvents), and every finish mark is one statement, so each event's
   * effects and its completion still commit together. On PGlite the transaction ends early, after
   * PGLITE_TURN_MS, when ingest or a tighter-SLA queue waits for the session: the events it did not
   * reach are answered as `deferred` (still leased) for the next transaction, after that turn.
   */
  const runBatchTransaction = async (
    queue: WebhookQueueName,
    rows: readonly ClaimedRow[],
  ): Promise<{ finished: { row: ClaimedRow; status: 'done' | 'skipped' }[]; failed: { row: ClaimedRow; error: unknown }[]; deferred: ClaimedRow[] }> =>
    step(queue, () =>
      database.system(async (tx) => {
        const startedAt = performance.now();
        const held = await lockClaimedInboxRows(
          tx,
          rows.map((row) => row.id),
          workerId,
          { isCommitAsynchronous: database.engine === 'postgres' },
        );
        const lost = rows.filter((row) => !held.has(row.id));
        if (lost.length > 0) logger.warn({ eventIds: lost.map((row) => row.id) }, 'leases on webhook events were lost before their batch ran');
        const heldRows = rows.filter((row) => held.has(row.id));
        const outcomes = new Map<string, BatchOutcome>();
        const sliceSize = isSingleSession ? PGLITE_SLICE_EVENTS : heldRows.length;
        let taken = 0;
        while (taken < heldRows.length) {
          const slice = heldRows.slice(taken, taken + sliceSize);
          await applyEvents(tx, slice.map(toWebhookEvent), outcomes, slice.length === heldRows.length);
          taken += slice.length;
          if (isSingleSession && performance.now() - startedAt >= PGLITE_TURN_MS && (isIngestWaiting() || permits.hasWaiterBefore(rankOf(queue)))) break;
        }
        const attempted = heldRows.slice(0, taken);
        const marks = attempted.flatMap((row) => {
          const outcome = outcomes.get(row.id);
          return outcome && outcome.status !== 'failed' ? [{ id: row.id, status: outcome.status, note: outcome.status === 'skipped' ? outcome.reason.slice(0, 2000) : null }] : [];
        });
        await finishInboxRows(tx, workerId, marks);
        const statusOf = new Map(marks.map((entry) => [entry.id, entry.status]));
        return {
          finished: attempted.flatMap((row) => {
            const status = statusOf.get(row.id);
            return status ? [{ row, status }] : [];
          }),
          failed: attempted.flatMap((row) => {
            const outcome = outcomes.get(row.id);
            return outcome?.status === 'failed' ? [{ row, error: outcome.error }] : [];
          }),
          deferred: heldRows.slice(taken),
        };
      }),
    );

  /**
   * A claimed chunk, in as few transactions as the engine allows (one on PostgreSQL). Anything thrown
   * outside an event's savepoint rolls that transaction back and its events are processed one at a time.
   */
  const processBatch = async (queue: WebhookQueueName, rows: readonly ClaimedRow[]): Promise<void> => {
    let remaining = rows;
    while (remaining.length > 0) {
      if (remaining.length === 1) {
        await processClaimed(queue, remaining[0] as ClaimedRow);
        return;
      }
      let result: Awaited<ReturnType<typeof runBatchTransaction>>;
      try {
        result = await runBatchTransaction(queue, remaining);
      } catch (error) {
        logger.debug({ err: error, queue, events: remaining.length }, 'webhook batch failed; processing its events one at a time');
        await runWithConcurrency(remaining, settings.concurrency, (row) => processClaimed(queue, row));
        return;
      }
      for (const { row, status } of result.finished) report(queue, row, status);
      for (const { row, error } of result.failed) await failRow(queue, row, error);
      remaining = result.deferred;
    }
  };

  const loops: PollingLoop[] = deps.queues.map((queue) => {
    let cursor = '';
    /** One claim and its processing; answers how many rows to count as progress (0: wait for the next hint). */
    async function runRound(): Promise<number> {
      const startedAfter = cursor;
      const claimed = await step(queue, () =>
        claimInboxRows(database, {
          queue,
          workerId,
          batchSize: settings.batchSize,
          perLocation: settings.perLocation,
          leaseSeconds: settings.leaseSeconds,
          afterFairnessKey: cursor,
        }),
      );
      noteClaimAge(queue, claimed);
      if (claimed.length === 0) {
        // Locations before the cursor may still have work: wrap around once before idling.
        const wasWrapped = cursor !== '';
        cursor = '';
        return wasWrapped ? 1 : 0;
      }
      cursor = claimed.length < settings.batchSize ? '' : claimed.reduce((max, row) => (row.fairnessKey > max ? row.fairnessKey : max), '');
      const isMoreReady = startedAfter !== '' || claimed.length >= settings.batchSize || claimed.some((row) => row.hasSuccessor) || mostOfOneLocation(claimed) >= settings.perLocation;
      const unhandled = claimed.filter((row) => deps.registry.find(row.eventType).length === 0);
      if (unhandled.length > 0) await step(queue, () => skipUnhandledInboxRows(database.db, unhandled.map((row) => row.id), workerId));
      for (const row of unhandled) report(queue, row, 'skipped');
      const handled = claimed.filter((row) => deps.registry.find(row.eventType).length > 0);
      // A batch may outlast one lease on a slow or busy machine: renew the leases of the rows still
      // waiting, so the reaper does not hand them to another worker (and count a failed attempt).
      const waiting = new Set(handled.map((row) => row.id));
      const renewer = setInterval(() => {
        void extendInboxLeases(database.db, [...waiting], workerId, settings.leaseSeconds).catch((error: unknown) => logger.warn({ err: error, queue }, 'could not renew webhook leases'));
      }, Math.max(1000, (settings.leaseSeconds * 1000) / 3));
      try {
        // One transaction per chunk, as many chunks as this queue may run at once (one on PGlite, where
        // a transaction gives ingest its turn by time instead: runBatchTransaction).
        const chunkSize = Math.max(MIN_CHUNK_EVENTS, Math.ceil(handled.length / ceilingOf(queue)));
        const chunks = Array.from({ length: Math.ceil(handled.length / chunkSize) }, (_, index) => handled.slice(index * chunkSize, (index + 1) * chunkSize));
        await runWithConcurrency(chunks, concurrency, async (chunk) => {
          try {
            await (chunk.length === 1 ? processClaimed(queue, chunk[0] as ClaimedRow) : processBatch(queue, chunk));
          } finally {
            for (const row of chunk) waiting.delete(row.id);
          }
        });
      } finally {
        clearInterval(renewer);
      }
      return isMoreReady ? claimed.length : 0;
    }

    return startPollingLoop({
      // Answers 0 when the claim left nothing it knows to be ready: the loop then waits for the next
      // hint (a notify that came while this round ran is remembered) or the idle timer, instead of
      // spending a claim to learn that the queue is empty.
      runOnce: async () => {
        roundStartedAt.set(queue, performance.now());
        try {
          return await runRound();
        } finally {
          roundStartedAt.delete(queue);
        }
      },
      waitIdle: () => deps.hub.wait(queue, settings.idleMs),
      onError: (error) => logger.error({ err: error, queue }, 'webhook worker round failed'),
      errorDelayMs: Math.min(2000, settings.idleMs * 2),
    });
  });

  const reaperIntervalMs = Math.max(1000, (settings.leaseSeconds * 1000) / 4);
  let isReaping = false;
  const reaper = setInterval(() => {
    if (isReaping) return;
    isReaping = true;
    releaseExpiredLeases(database.db, settings.maxAttempts)
      .then((released) => {
        if (released > 0) {
          logger.warn({ released }, 'released webhook events with expired leases');
          deps.hub.notifyAll();
        }
      })
      .catch((error: unknown) => logger.error({ err: error }, 'lease reaper failed'))
      .finally(() => {
        isReaping = false;
      });
  }, reaperIntervalMs);
  reaper.unref();

  return {
    workerId,
    async stop() {
      clearInterval(reaper);
      const stopping = loops.map((loop) => loop.stop());
      deps.hub.notifyAll();
      await Promise.all(stopping);
    },
  };
}
