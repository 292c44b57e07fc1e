/** Thrown by submit() when the in-memory queue is full: the caller should shed load (HTTP 429). */
export class GroupCommitQueueFullError extends Error {
  constructor(readonly queued: number) {
    super(`group commit queue is full (${queued} waiting)`);
    this.name = 'GroupCommitQueueFullError';
  }
}

export interface GroupCommitterOptions<Item, Outcome> {
  /** Writes a batch in one statement and returns one outcome per item, in order. Throwing fails every item of the batch. */
  flush(items: readonly Item[]): Promise<Outcome[]>;
  maxBatch: number;
  maxConcurrentFlushes: number;
  maxQueued: number;
}

interface Waiting<Item, Outcome> {
  item: Item;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: concurrent submitters share one multi-row write. While every flush slot is busy,
 * new items wait and go out together in the next batch, so batches grow with load and a lone item
 * is written at once.
 */
export class GroupCommitter<Item, Outcome> {
  private waiting: Waiting<Item, Outcome>[] = [];
  private inFlight = 0;
  private flushEndWaiters: (() => void)[] = [];
  private isPumpScheduled = false;

  constructor(private readonly options: GroupCommitterOptions<Item, Outcome>) {}

  get queuedCount(): number {
    return this.waiting.length;
  }

  get flushingCount(): number {
    return this.inFlight;
  }

  /**
   * Lets lower-priority users of the same connection (queue workers on PGlite) step aside: resolves
   * after one event-loop turn when nothing is waiting to be written, else after the next flush ends
   * and the following one has been started, so a waiting batch is never queued behind them.
   */
  yieldTurn(): Promise<void> {
    // Through the event loop first: requests that arrived meanwhile get parsed and submitted.
    return new Promise((resolve) =>
      setImmediate(() => {
        if (this.waiting.length === 0 && this.inFlight === 0) resolve();
        else this.flushEndWaiters.push(() => setImmediate(resolve));
      }),
    );
  }

  submit(item: Item): Promise<Outcome> {
    if (this.waiting.length >= this.options.maxQueued) return Promise.reject(new GroupCommitQueueFullError(this.waiting.length));
    const promise = new Promise<Outcome>((resolve, reject) => this.waiting.push({ item, resolve, reject }));
    this.schedulePump();
    return promise;
  }

  /**
   * Flushes on the next turn of the event loop rather than at once, so every request that became
   * ready in this turn joins the batch. This matters on PGlite, whose queries block the event loop:
   * without it each flush would carry only the one request that triggered it.
   */
  private schedulePump(): void {
    if (this.isPumpScheduled) return;
    this.isPumpScheduled = true;
    setImmediate(() => {
      this.isPumpScheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.options.maxConcurrentFlushes && this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.options.maxBatch);
      this.inFlight += 1;
      void this.flushBatch(batch);
    }
  }

  private async flushBatch(batch: Waiting<Item, Outcome>[]): Promise<void> {
    try {
      const outcomes = await this.options.flush(batch.map((entry) => entry.item));
      batch.forEach((entry, index) => {
        const outcome = outcomes[index];
        if (outcome === undefined) entry.reject(new Error('group commit flush returned too few outcomes'));
        else entry.resolve(outcome);
      });
    } catch (error) {
      for (const entry of batch) entry.reject(error);
    } finally {
      this.inFlight -= 1;
      this.schedulePump();
      const waiters = this.flushEndWaiters;
      this.flushEndWaiters = [];
      for (const wake of waiters) wake();
    }
  }
}
