import { describe, expect, it } from 'vitest';
import { FaultInjector } from './fault-injector.js';
import { GHL_RATE_LIMITS, RateLimiter } from './rate-limiter.js';

describe('RateLimiter', () => {
  it('allows 100 requests per 10 s window per (app, resource) and reopens after the window', () => {
    const limiter = new RateLimiter(GHL_RATE_LIMITS);
    const startMs = Date.UTC(2026, 0, 1, 12);
    for (let i = 0; i < 100; i++) expect(limiter.take('app', 'loc-a', startMs + i).isAllowed).toBe(true);
    const denied = limiter.take('app', 'loc-a', startMs + 500);
    expect(denied.isAllowed).toBe(false);
    expect(denied.headers['x-ratelimit-remaining']).toBe('0');
    expect(limiter.take('app', 'loc-b', startMs + 500).isAllowed).toBe(true);
    expect(limiter.take('other-app', 'loc-a', startMs + 500).isAllowed).toBe(true);
    const reopened = limiter.take('app', 'loc-a', startMs + 10_000);
    expect(reopened.isAllowed).toBe(true);
    expect(reopened.headers['x-ratelimit-remaining']).toBe('99');
    expect(reopened.headers['x-ratelimit-daily-remaining']).toBe(String(200_000 - 101));
  });

  it('enforces the daily budget and resets it at UTC midnight', () => {
    const limiter = new RateLimiter({ burstMax: 1_000, burstWindowMs: 10_000, dailyMax: 3 });
    const dayMs = Date.UTC(2026, 0, 1, 23, 59);
    expect([1, 2, 3, 4].map((i) => limiter.take('app', 'loc', dayMs + i).isAllowed)).toEqual([true, true, true, false]);
    expect(limiter.take('app', 'loc', Date.UTC(2026, 0, 2, 0, 0, 1)).isAllowed).toBe(true);
  });
});

describe('FaultInjector', () => {
  it('lets a location override global faults field by field and picks faults by share', () => {
    let next = 0;
    const values = [0.05, 0.5, 0.95];
    const faults = new FaultInjector(() => values[next++ % values.length] ?? 0);
    faults.set({ serverErrorRate: 0.1, latencyMs: 20 }, undefined);
    faults.set({ latencyMs: 5 }, 'loc-a');
    expect(faults.resolve('loc-a')).toEqual({ serverErrorRate: 0.1, latencyMs: 5 });
    expect(faults.resolve('loc-b')).toEqual({ serverErrorRate: 0.1, latencyMs: 20 });
    expect(faults.pickApiFault('loc-b')).toEqual({ kind: 'server-error', status: 500 });
    expect(faults.pickApiFault('loc-b')).toEqual({ kind: 'none' });
    faults.set({ revokeTokens: true, webhookDropRate: 1 }, 'loc-c');
    expect(faults.resolve('loc-c')['revokeTokens']).toBeUndefined();
    expect(faults.pickWebhookFault('loc-c').fault).toBe('drop');
  });
});
