interface Waiter {
  /** Decides the ceiling this waiter counts against (fixed). */
  priority: number;
  /** Decides who goes first; read each time permits are handed out, so a waiter can move up while it waits. */
  rank: () => number;
  /** Among equal ranks the earliest goes first (performance.now() when it asked, unless the caller says otherwise). */
  since: number;
  order: number;
  ceiling: number;
  wake: () => void;
}

/**
 * Caps how many operations run at once (e.g. worker transactions sharing a pool with ingest). When
 * permits are short, the waiter with the lowest priority number goes first (FIFO among equals), so
 * a tight-SLA queue is not held up behind a bulk one.
 *
 * A `ceiling` reserves capacity: an operation of priority p with ceiling k starts only while fewer
 * than k permits are held by operations of priority p or worse, so bulk work given `permits - 1` can
 * never take the last permit and better work always finds one free (it waits only for its betters).
 *
 * `rankNow` lets a caller move its waiter up while it waits (an overdue queue): the order is by rank,
 * read when permits are handed out; the ceiling stays that of `priority`. `since` lets one piece of work
 * made of several steps keep its place among equals: each step waits as if it had asked when the first did.
 */
export class Semaphore {
  private readonly permits: number;
  private inUse = 0;
  /** The priority of each permit held. */
  private readonly held: number[] = [];
  private readonly waiters: Waiter[] = [];
  private order = 0;

  constructor(permits: number) {
    this.permits = Math.max(1, permits);
  }

  get size(): number {
    return this.permits;
  }

  async run<T>(work: () => Promise<T>, priority = 0, ceiling = Number.POSITIVE_INFINITY, rankNow: () => number = () => priority, since = performance.now()): Promise<T> {
    const limit = Math.max(1, Math.min(this.permits, ceiling));
    const rank = rankNow();
    const isAheadOfMe = (waiter: Waiter) => {
      const theirs = waiter.rank();
      return theirs < rank || (theirs === rank && waiter.since <= since);
    };
    if (this.mayStart(priority, limit) && !this.waiters.some((waiter) => isAheadOfMe(waiter) && this.mayStart(waiter.priority, waiter.ceiling))) this.take(priority);
    else
      await new Promise<void>((resolve) => {
        this.waiters.push({ priority, rank: rankNow, since, order: (this.order += 1), ceiling: limit, wake: resolve });
      });
    try {
      return await work();
    } finally {
      this.release(priority);
    }
  }

  private mayStart(priority: number, ceiling: number): boolean {
    return this.inUse < this.permits && this.held.filter((heldPriority) => heldPriority >= priority).length < ceiling;
  }

  private take(priority: number): void {
    this.inUse += 1;
    this.held.push(priority);
  }

  /** Someone of a better (lower) rank is waiting for a permit: a long holder may want to let go. */
  hasWaiterBefore(rank: number): boolean {
    return this.waiters.some((waiter) => waiter.rank() < rank);
  }

  private release(priority: number): void {
    this.inUse -= 1;
    this.held.splice(this.held.indexOf(priority), 1);
    // Hand the freed permit (and any others a lower ceiling kept idle) to the best waiters that may start.
    for (;;) {
      let best = -1;
      let bestRank = 0;
      for (let index = 0; index < this.waiters.length; index += 1) {
        const candidate = this.waiters[index] as Waiter;
        if (!this.mayStart(candidate.priority, candidate.ceiling)) continue;
        const rank = candidate.rank();
        const current = best < 0 ? undefined : (this.waiters[best] as Waiter);
        if (!current || rank < bestRank || (rank === bestRank && (candidate.since < current.since || (candidate.since === current.since && candidate.order < current.order)))) {
          best = index;
          bestRank = rank;
        }
      }
      if (best < 0) return;
      const [next] = this.waiters.splice(best, 1) as [Waiter];
      this.take(next.priority);
      next.wake();
    }
  }
}
