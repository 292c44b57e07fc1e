interface Waiter {
  priority: number;
  order: number;
  wake: () => void;
}

/**
 * Caps how many operations run at once (e.g. worker transactions sharing a pool with ingest). When
 * permits are short, the waiter with the lowest priority number goes first (FIFO among equals), so
 * a tight-SLA queue is not held up behind a bulk one.
 */
export class Semaphore {
  private available: number;
  private readonly waiters: Waiter[] = [];
  private order = 0;

  constructor(permits: number) {
    this.available = Math.max(1, permits);
  }

  async run<T>(work: () => Promise<T>, priority = 0): Promise<T> {
    if (this.available > 0) this.available -= 1;
    else
      await new Promise<void>((resolve) => {
        this.waiters.push({ priority, order: (this.order += 1), wake: resolve });
      });
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (this.waiters.length === 0) {
      this.available += 1;
      return;
    }
    let best = 0;
    for (let index = 1; index < this.waiters.length; index += 1) {
      const candidate = this.waiters[index] as Waiter;
      const current = this.waiters[best] as Waiter;
      if (candidate.priority < current.priority || (candidate.priority === current.priority && candidate.order < current.order)) best = index;
    }
    const [next] = this.waiters.splice(best, 1);
    next?.wake();
  }
}
