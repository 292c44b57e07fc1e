export interface PollingLoopOptions {
  /** One round of work; returns how many items it handled, 0 to wait for a hint (or the idle timer) before the next round. */
  runOnce: () => Promise<number>;
  /** Waits for a wake-up hint or the idle timeout. */
  waitIdle: () => Promise<void>;
  onError: (error: unknown) => void;
  /** Pause after a failed round so a broken database is not hammered. */
  errorDelayMs: number;
}

export interface PollingLoop {
  stop(): Promise<void>;
}

/** Runs rounds back to back while there is work and idles on a hint-or-timer otherwise; no minute polling. */
export function startPollingLoop(options: PollingLoopOptions): PollingLoop {
  let isStopping = false;
  const done = (async () => {
    while (!isStopping) {
      try {
        const handled = await options.runOnce();
        if (handled === 0 && !isStopping) await options.waitIdle();
      } catch (error) {
        options.onError(error);
        if (!isStopping) await new Promise((resolve) => setTimeout(resolve, options.errorDelayMs));
      }
    }
  })();
  return {
    async stop() {
      isStopping = true;
      await done;
    },
  };
}
