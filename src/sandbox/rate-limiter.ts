import type { RateLimitConfig } from './sandbox.types.js';

export const GHL_RATE_LIMITS: RateLimitConfig = { burstMax: 100, burstWindowMs: 10_000, dailyMax: 200_000 };

interface Budget {
  windowStartMs: number;
  windowCount: number;
  dayIndex: number;
  dayCount: number;
}

export interface RateDecision {
  isAllowed: boolean;
  headers: Record<string, string>;
}

const DAY_MS = 86_400_000;

/**
 * Per (app, location or company) budgets, as GHL documents them (ghl-api.md §4).
 * UNCONFIRMED: whether the burst window is fixed or sliding (a fixed window that starts at the
 * first request is used) and when the daily budget resets (UTC midnight is used).
 */
export class RateLimiter {
  private readonly budgets = new Map<string, Budget>();

  constructor(private readonly config: RateLimitConfig) {}

  take(clientId: string, resourceId: string, nowMs: number): RateDecision {
    const key = `${clientId}:${resourceId}`;
    const dayIndex = Math.floor(nowMs / DAY_MS);
    let budget = this.budgets.get(key);
    if (!budget) {
      budget = { windowStartMs: nowMs, windowCount: 0, dayIndex, dayCount: 0 };
      this.budgets.set(key, budget);
    }
    if (nowMs - budget.windowStartMs >= this.config.burstWindowMs) {
      budget.windowStartMs = nowMs;
      budget.windowCount = 0;
    }
    if (budget.dayIndex !== dayIndex) {
      budget.dayIndex = dayIndex;
      budget.dayCount = 0;
    }
    const isAllowed = budget.windowCount < this.config.burstMax && budget.dayCount < this.config.dailyMax;
    if (isAllowed) {
      budget.windowCount++;
      budget.dayCount++;
    }
    return { isAllowed, headers: this.createHeaders(budget.windowCount, budget.dayCount) };
  }

  /** Headers for answers given before a resource is known (no or bad token). */
  createFullHeaders(): Record<string, string> {
    return this.createHeaders(0, 0);
  }

  private createHeaders(windowCount: number, dayCount: number): Record<string, string> {
    return {
      'x-ratelimit-limit-daily': String(this.config.dailyMax),
      'x-ratelimit-daily-remaining': String(Math.max(0, this.config.dailyMax - dayCount)),
      'x-ratelimit-interval-milliseconds': String(this.config.burstWindowMs),
      'x-ratelimit-max': String(this.config.burstMax),
      'x-ratelimit-remaining': String(Math.max(0, this.config.burstMax - windowCount)),
    };
  }
}
