import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabasePair } from '../../../test/support/test-database.js';
import type { Database } from '../db/index.js';
import { systemClock } from '../clock/clock.js';
import { createLogger } from '../log/index.js';
import { Scheduler } from './index.js';

let first: Database;
let second: Database;
let close: () => Promise<void>;

beforeAll(async () => {
  [first, second, close] = await createTestDatabasePair();
});
afterAll(async () => close());

describe('scheduler', () => {
  it('runs each slot once across instances and records the outcome', async () => {
    const logger = createLogger({ level: 'silent' });
    const instances = Array.from({ length: 4 }, (_, index) => new Scheduler({ database: index % 2 === 0 ? first : second, logger, clock: systemClock, instanceId: `instance-${index}` }));
    let runs = 0;
    const job = { name: 'test.count-runs', cron: '* * * * *', run: async () => ({ run: ++runs }) };
    const slot = new Date('2026-11-22T10:00:00Z');
    const claimed = await Promise.all(instances.map((scheduler) => scheduler.runSlot(job, slot)));
    expect(claimed.filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(1);
    const nextSlot = await Promise.all(instances.map((scheduler) => scheduler.runSlot(job, new Date('2026-11-22T10:01:00Z'))));
    expect(nextSlot.filter(Boolean)).toHaveLength(1);
    expect(runs).toBe(2);

    const failing = { name: 'test.fail', cron: '* * * * *', run: async () => Promise.reject(new Error('boom')) };
    expect(await instances[0]?.runSlot(failing, slot)).toBe(true);
    const history = await instances[1]?.listRecentRuns();
    expect(history?.find((run) => run.jobName === 'test.fail')).toMatchObject({ status: 'failed', error: 'boom' });
    expect(history?.filter((run) => run.jobName === 'test.count-runs').every((run) => run.status === 'done')).toBe(true);
  });
});
