export interface CoalescingNotifier {
  add(topic: string): void;
  stop(): void;
}

/**
 * Collects topics and sends them in one call at most every `intervalMs`: cross-process wake-ups are
 * hints, and sending one per write would cost more than the write.
 */
export function createCoalescingNotifier(send: (topics: string[]) => Promise<void>, intervalMs: number, onError: (error: unknown) => void): CoalescingNotifier {
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;
  const flush = () => {
    timer = undefined;
    if (dirty.size === 0 || isStopped) return;
    const topics = [...dirty];
    dirty.clear();
    send(topics).catch(onError);
  };
  return {
    add(topic) {
      if (isStopped) return;
      dirty.add(topic);
      if (!timer) {
        timer = setTimeout(flush, intervalMs);
        timer.unref();
      }
    },
    stop() {
      isStopped = true;
      clearTimeout(timer);
    },
  };
}
