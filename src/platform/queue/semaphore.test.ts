import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore.js';

/** A unit of work that runs until released, so the test decides who holds a permit when. */
function holder() {
  let release: () => void = () => undefined;
  let started = false;
  const done = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    work: async () => {
      started = true;
      await done;
    },
    release: () => release(),
    get started() {
      return started;
    },
  };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('Semaphore', () => {
  it('keeps permits above a ceiling for better work: bulk (ceiling 2 of 4) never takes the reserved ones, critical starts at once', async () => {
    const permits = new Semaphore(4);
    const bulk = Array.from({ length: 5 }, () => holder());
    const running = bulk.map((unit) => permits.run(unit.work, 3, 2));
    await turn();
    expect(bulk.map((unit) => unit.started)).toEqual([true, true, false, false, false]);
    const messages = [holder(), holder()];
    const messageRuns = messages.map((unit) => permits.run(unit.work, 1, 3));
    await turn();
    // Messages and worse work may hold three of four: one more starts, the other waits; the last permit stays free.
    expect(messages.map((unit) => unit.started)).toEqual([true, false]);
    const critical = holder();
    const criticalRun = permits.run(critical.work, 0, 4);
    await turn();
    expect(critical.started).toBe(true);
    // A freed permit goes to the best waiter that may start: the waiting messages work, not bulk (which is at its two).
    bulk[0]?.release();
    await turn();
    expect(messages[1]?.started).toBe(true);
    expect(bulk[2]?.started).toBe(false);
    critical.release();
    messages.forEach((unit) => unit.release());
    await turn();
    expect(bulk[2]?.started).toBe(true);
    expect(bulk[3]?.started).toBe(false);
    bulk.forEach((unit) => unit.release());
    await Promise.all([...running, ...messageRuns, criticalRun]);
  });

  it('hands out permits by priority, FIFO among equals, and reports better waiters', async () => {
    const permits = new Semaphore(1);
    const first = holder();
    const firstRun = permits.run(first.work, 3);
    const order: string[] = [];
    const later = [
      permits.run(async () => void order.push('bulk-a'), 3),
      permits.run(async () => void order.push('bulk-b'), 3),
      permits.run(async () => void order.push('critical'), 0),
    ];
    await turn();
    expect(permits.hasWaiterBefore(3)).toBe(true);
    expect(permits.hasWaiterBefore(0)).toBe(false);
    first.release();
    await Promise.all([firstRun, ...later]);
    expect(order).toEqual(['critical', 'bulk-a', 'bulk-b']);
  });

  it('orders by a rank read at hand-out: a waiter that became overdue goes ahead of its equals, never ahead of better work, and keeps its own ceiling', async () => {
    const permits = new Semaphore(1);
    const first = holder();
    const firstRun = permits.run(first.work, 3);
    let isOverdue = false;
    const order: string[] = [];
    const later = [
      permits.run(async () => void order.push('general'), 4, Number.POSITIVE_INFINITY, () => (isOverdue ? 3 : 4)),
      permits.run(async () => void order.push('contacts'), 3),
      permits.run(async () => void order.push('messages'), 1),
    ];
    await turn();
    // Not yet overdue: general is behind contacts and no reason for a contacts holder to let go early.
    expect(permits.hasWaiterBefore(4)).toBe(true);
    isOverdue = true;
    // Overdue, general ranks with contacts (3): still no better waiter than a contacts holder, besides messages.
    expect(permits.hasWaiterBefore(3)).toBe(true);
    first.release();
    await Promise.all([firstRun, ...later]);
    // Messages first (better rank); then general, the older of the two at rank 3.
    expect(order).toEqual(['messages', 'general', 'contacts']);

    // The ceiling stays that of the priority: ranking as bulk, general still stops at its own two of eight (four are free).
    const eight = new Semaphore(8);
    const bulk = [holder(), holder()];
    const bulkRuns = bulk.map((unit) => eight.run(unit.work, 3, 2));
    const general = [holder(), holder(), holder()];
    const generalRuns = general.map((unit) => eight.run(unit.work, 4, 2, () => 3));
    await turn();
    expect(general.map((unit) => unit.started)).toEqual([true, true, false]);
    [...bulk, ...general].forEach((unit) => unit.release());
    await turn();
    general[2]?.release();
    await Promise.all([...bulkRuns, ...generalRuns]);
  });
});
