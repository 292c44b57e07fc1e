/**
 * In-process wake-ups for queue workers. A notify that arrives while nobody waits is remembered, so
 * a worker that was busy claims again at once instead of sleeping through the hint.
 */
export class WakeupHub {
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly signalled = new Set<string>();

  notify(topic: string): void {
    const waiters = this.waiters.get(topic);
    if (!waiters || waiters.size === 0) {
      this.signalled.add(topic);
      return;
    }
    for (const wake of [...waiters]) wake();
  }

  notifyAll(): void {
    for (const topic of new Set([...this.waiters.keys(), ...this.signalled])) this.notify(topic);
  }

  /** Resolves on the next notify of the topic or after timeoutMs, whichever comes first. */
  wait(topic: string, timeoutMs: number): Promise<void> {
    if (this.signalled.delete(topic)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.waiters.get(topic) ?? new Set<() => void>();
      this.waiters.set(topic, waiters);
      const wake = () => {
        clearTimeout(timer);
        waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      waiters.add(wake);
    });
  }
}
