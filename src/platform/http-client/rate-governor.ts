/**
 * Keeps calls to one rate-limited resource (for GHL: one app on one location or company) within a
 * sliding window budget and a daily budget. Server headers correct our view, so several processes
 * sharing a budget converge on the server's count instead of each assuming it has it all.
 */
export interface RateBudget {
  maxPerWindow: number;
  windowMs: number;
  maxPerDay: number;
}

export interface ServerRateState {
  remainingInWindow?: number | undefined;
  windowMs?: number | undefined;
  remainingToday?: number | undefined;
}

export class DailyBudgetExhaustedError extends Error {
  constructor(readonly key: string) {
    super(`daily request budget exhausted for ${key}`);
    this.name = 'DailyBudgetExhaustedError';
  }
}

interface KeyState {
  sentAt: number[];
  /** The server said the window is spent: send nothing before this time. */
  blockedUntil: number;
  dayStartedAt: number;
  sentToday: number;
  remainingToday: number | undefined;
  queue: (() => void)[];
  timer: NodeJS.Timeout | undefined;
}

const DAY_MS = 24 * 3600 * 1000;

export class RateGovernor {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly budget: RateBudget,
    private readonly now: () => number = Date.now,
  ) {}

  /** Resolves when one request for `key` may be sent (and counts it). */
  acquire(key: string): Promise<void> {
    const state = this.stateOf(key);
    return new Promise((resolve, reject) => {
      state.queue.push(() => {
        if (this.isDayExhausted(state)) {
          reject(new DailyBudgetExhaustedError(key));
          return;
        }
        state.sentAt.push(this.now());
        state.sentToday += 1;
        resolve();
      });
      this.drain(key, state);
    });
  }

  /** Feed back what the server said (X-RateLimit-* headers, or a 429). */
  observe(key: string, server: ServerRateState, wasRateLimited: boolean): void {
    const state = this.stateOf(key);
    const windowMs = server.windowMs ?? this.budget.windowMs;
    this.prune(state);
    // "0 remaining" right after our own last allowed request is expected and our window handles it;
    // it only means someone else shares the budget when we have not spent it ourselves.
    const isSpentByOthers = server.remainingInWindow === 0 && state.sentAt.length < this.budget.maxPerWindow;
    if (wasRateLimited || isSpentByOthers) {
      // The server's window started at an unknown moment: wait a whole window to be safe.
      state.blockedUntil = Math.max(state.blockedUntil, this.now() + windowMs);
    }
    if (server.remainingToday !== undefined) state.remainingToday = server.remainingToday;
  }

  /** How many requests for key were sent in the current window (for reporting budget use). */
  sentInWindow(key: string): number {
    const state = this.keys.get(key);
    if (!state) return 0;
    this.prune(state);
    return state.sentAt.length;
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      state = { sentAt: [], blockedUntil: 0, dayStartedAt: this.now(), sentToday: 0, remainingToday: undefined, queue: [], timer: undefined };
      this.keys.set(key, state);
    }
    return state;
  }

  private isDayExhausted(state: KeyState): boolean {
    if (this.now() - state.dayStartedAt >= DAY_MS) {
      state.dayStartedAt = this.now();
      state.sentToday = 0;
      state.remainingToday = undefined;
    }
    if (state.remainingToday !== undefined && state.remainingToday <= 0) return true;
    return state.sentToday >= this.budget.maxPerDay;
  }

  private prune(state: KeyState): void {
    const windowStart = this.now() - this.budget.windowMs;
    let drop = 0;
    while (drop < state.sentAt.length && (state.sentAt[drop] as number) <= windowStart) drop += 1;
    if (drop > 0) state.sentAt.splice(0, drop);
  }

  private drain(key: string, state: KeyState): void {
    if (state.timer) return;
    for (;;) {
      if (state.queue.length === 0) return;
      this.prune(state);
      const now = this.now();
      let waitMs = 0;
      if (state.blockedUntil > now) waitMs = state.blockedUntil - now;
      else if (state.sentAt.length >= this.budget.maxPerWindow) waitMs = (state.sentAt[0] as number) + this.budget.windowMs - now + 1;
      if (waitMs > 0) {
        state.timer = setTimeout(() => {
          state.timer = undefined;
          this.drain(key, state);
        }, waitMs);
        return;
      }
      const next = state.queue.shift();
      next?.();
      if (state.remainingToday !== undefined) state.remainingToday -= 1;
    }
  }
}
