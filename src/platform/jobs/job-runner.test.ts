import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, testDatabaseEngine } from '../../../test/support/test-database.js';
import { waitFor } from '../../../test/support/spawn-service.js';
import { queryRows, type Database } from '../db/index.js';
import { createLogger } from '../log/index.js';
import { claimJobs, enqueueJob, extendJobLeases, finishJobs, findJob, JobRunner, listenForJobs, releaseExpiredJobLeases, type JobHandler } from './index.js';

let database: Database;
const runners: JobRunner[] = [];
const logger = createLogger({ level: 'silent' });

function startRunner(kinds: Record<string, JobHandler>, settings: ConstructorParameters<typeof JobRunner>[0]['settings'] = {}, random?: () => number): JobRunner {
  const runner = new JobRunner({ database, logger, settings: { idleMs: 50, retryBaseSeconds: 0.2, retryMaxSeconds: 5, ...settings }, ...(random ? { random } : {}) });
  for (const [kind, handler] of Object.entries(kinds)) runner.register(kind, handler);
  runner.start();
  runners.push(runner);
  return runner;
}

async function waitForStatus(id: string, status: string, timeoutMs = 15_000) {
  return waitFor(async () => {
    const job = await findJob(database.db, id);
    return job?.status === status ? job : undefined;
  }, timeoutMs, `job ${id} to be ${status}`);
}

beforeAll(async () => {
  database = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(runners.splice(0).map((runner) => runner.stop()));
});
afterAll(async () => database.close());

describe('jobs (transactional outbox)', () => {
  it('runs a committed job, and never one whose transaction rolled back', async () => {
    const ran: string[] = [];
    await database
      .system(async (tx) => {
        await enqueueJob(tx, { kind: 'test.record-name', payload: { name: 'rolled-back' } });
        throw new Error('the state change failed');
      })
      .catch(() => undefined);
    const committed = await database.system((tx) => enqueueJob(tx, { kind: 'test.record-name', payload: { name: 'committed' } }));
    startRunner({ 'test.record-name': async (job) => void ran.push(String(job.payload['name'])) });
    await waitForStatus(committed.id, 'done');
    expect(ran).toEqual(['committed']);
    const [row] = await queryRows<{ total: number }>(database.db, sql`select count(*)::int as total from jobs where kind = 'test.record-name'`);
    expect(row?.total).toBe(1);
  });

  it('enqueues once per idempotency key, and a tenant transaction can enqueue for its own company only', async () => {
    const first = await database.system((tx) => enqueueJob(tx, { kind: 'test.once', idempotencyKey: 'k1', companyId: 'co_1' }));
    const again = await database.tenant({ companyId: 'co_1', locationIds: '*' }, (tx) => enqueueJob(tx, { kind: 'test.once', idempotencyKey: 'k1', companyId: 'co_1' }));
    expect(again).toEqual({ id: first.id, isNew: false });
    expect(first.isNew).toBe(true);
    await expect(database.tenant({ companyId: 'co_1', locationIds: '*' }, (tx) => enqueueJob(tx, { kind: 'test.once', companyId: 'co_2' }))).rejects.toThrow();
  });

  it('retries a failing job with growing backoff, then marks it dead with every error', async () => {
    let calls = 0;
    const job = await database.system((tx) => enqueueJob(tx, { kind: 'test.always-fail', maxAttempts: 3 }));
    // random = 1: the backoff is its full exponential value (0.2 s, then 0.4 s).
    startRunner({ 'test.always-fail': async () => Promise.reject(new Error(`boom ${++calls}`)) }, {}, () => 1);
    const dead = await waitForStatus(job.id, 'dead');
    expect(calls).toBe(3);
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toBe('Error: boom 3');
    expect(dead.errors.map((entry) => entry.error)).toEqual(['Error: boom 1', 'Error: boom 2', 'Error: boom 3']);
    const times = dead.errors.map((entry) => new Date(entry.at).getTime());
    expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(190);
    expect((times[2] as number) - (times[1] as number)).toBeGreaterThanOrEqual(390);
  });

  it('reruns a job whose worker crashed once its lease expires', async () => {
    const job = await database.system((tx) => enqueueJob(tx, { kind: 'test.crash-once' }));
    // A worker claims it and dies without finishing (no renewals, no failure recorded).
    const [claimed] = await claimJobs(database.db, { kinds: ['test.crash-once'], workerId: 'dead-worker', limit: 1, leaseSeconds: 1 });
    expect(claimed?.id).toBe(job.id);
    let runs = 0;
    // The live runner's own lease is long (a loaded machine must not lose it); its reaper pass is
    // called here as soon as the dead worker's 1 s lease is over instead of waiting for its timer.
    const runner = startRunner({ 'test.crash-once': async () => void (runs += 1) }, { leaseSeconds: 60 });
    await waitFor(async () => ((await runner.reapExpiredLeases()) === 1 ? true : undefined), 15_000, 'the dead worker\'s lease to be released');
    const done = await waitForStatus(job.id, 'done');
    expect(runs).toBe(1);
    expect(done.attempts).toBe(2);
    expect(done.errors[0]?.error).toMatch(/lease expired/);
  });

  it('keeps a long job leased while it runs (no double run)', async () => {
    const job = await database.system((tx) => enqueueJob(tx, { kind: 'test.slow' }));
    let runs = 0;
    const leaseOf = async () => {
      const [row] = await queryRows<{ leaseUntil: string | Date; isPast: boolean; lockedBy: string }>(
        database.db,
        sql`select lease_until as "leaseUntil", lease_until < now() as "isPast", locked_by as "lockedBy" from jobs where id = ${job.id}::bigint`,
      );
      return row;
    };
    let firstLeaseUntil: number | undefined;
    // The handler runs until the job has outlived its first lease (checked against the database's
    // clock, not by sleeping), so only the renewals can have kept it.
    const first = startRunner({ 'test.slow': async () => {
      runs += 1;
      firstLeaseUntil = new Date((await leaseOf())?.leaseUntil ?? 0).getTime();
      await waitFor(async () => {
        const [row] = await queryRows<{ isOutlived: boolean }>(database.db, sql`select now() > ${new Date(firstLeaseUntil ?? 0).toISOString()}::timestamptz + interval '1 second' as "isOutlived"`);
        return row?.isOutlived ? true : undefined;
      }, 30_000, 'the job to outlive its first lease');
    } }, { leaseSeconds: 4 });
    await waitFor(async () => (firstLeaseUntil !== undefined ? true : undefined), 15_000, 'the slow job to start');
    // The second runner starts once the first holds the job (started together, either could claim it first).
    const second = startRunner({ 'test.slow': async () => void (runs += 1) }, { leaseSeconds: 4 });
    await waitForStatus(job.id, 'done', 40_000);
    expect(runs).toBe(1);
    expect(first.workerId).not.toBe(second.workerId);
    const [finished] = await queryRows<{ attempts: number; lockedBy: string; errors: unknown[] }>(database.db, sql`select attempts, locked_by as "lockedBy", errors from jobs where id = ${job.id}::bigint`);
    expect(finished).toEqual({ attempts: 1, lockedBy: first.workerId, errors: [] });
  });

  it('finishes the jobs of a batch in one statement, only the attempts this worker still leases, and never twice', async () => {
    const [a, b] = await database.system(async (tx) => [await enqueueJob(tx, { kind: 'test.batch-finish' }), await enqueueJob(tx, { kind: 'test.batch-finish' })]);
    const claimed = await claimJobs(database.db, { kinds: ['test.batch-finish'], workerId: 'w1', limit: 2, leaseSeconds: 60 });
    expect(claimed.map((job) => job.id).sort()).toEqual([a?.id, b?.id].sort());
    // a's lease is lost (the worker stalled past it, the reaper took the job back) and the same
    // worker claims it again: a second attempt, whose run is not the stalled one.
    await database.db.execute(sql`update jobs set lease_until = now() - interval '1 second' where id = ${a?.id}::bigint`);
    expect(await releaseExpiredJobLeases(database.db)).toBe(1);
    const [again] = await claimJobs(database.db, { kinds: ['test.batch-finish'], workerId: 'w1', limit: 1, leaseSeconds: 60 });
    expect(again).toMatchObject({ id: a?.id, attempts: 2 });
    // A renewal names the attempt: the stalled run's is not renewed, the live one's is.
    const held = await extendJobLeases(database.db, { workerId: 'w1', jobs: [{ id: a?.id as string, attempts: 1 }, { id: a?.id as string, attempts: 2 }], leaseSeconds: 60 });
    expect([...held]).toEqual([`${a?.id}:2`]);
    // The stalled first attempt of a and the live attempt of b end together: only b is finished.
    const finished = await finishJobs(database.db, { workerId: 'w1', jobs: claimed.map((job) => ({ id: job.id, attempts: job.attempts })) });
    expect([...finished]).toEqual([`${b?.id}:1`]);
    expect((await findJob(database.db, a?.id as string))?.status).toBe('running');
    // b is not finished a second time; another worker cannot finish a's live attempt; its own run can.
    expect((await finishJobs(database.db, { workerId: 'w1', jobs: [{ id: b?.id as string, attempts: 1 }] })).size).toBe(0);
    expect((await finishJobs(database.db, { workerId: 'w2', jobs: [{ id: a?.id as string, attempts: 2 }] })).size).toBe(0);
    expect([...(await finishJobs(database.db, { workerId: 'w1', jobs: [{ id: a?.id as string, attempts: 2 }] }))]).toEqual([`${a?.id}:2`]);
    const [row] = await queryRows<{ finishedB: string | Date }>(database.db, sql`select finished_at as "finishedB" from jobs where id = ${b?.id}::bigint`);
    expect(row?.finishedB).toBeTruthy();
  });

  it('a run whose lease was lost gets its signal aborted and does not finish the job it lost', async () => {
    const job = await database.system((tx) => enqueueJob(tx, { kind: 'test.lost-lease' }));
    let release: (() => void) | undefined;
    let signal: AbortSignal | undefined;
    const runner = startRunner({ 'test.lost-lease': async (_job, context) => {
      signal = context.signal;
      await new Promise<void>((resolve) => (release = resolve));
    } }, { leaseSeconds: 60, concurrency: 1 });
    await waitFor(async () => (release ? true : undefined), 15_000, 'the job to start');
    try {
      // The runner stalls (its one slot stays busy, so it cannot take the job back itself): its lease
      // runs out, the reaper takes the job back, another worker claims it.
      await database.db.execute(sql`update jobs set lease_until = now() - interval '1 second' where id = ${job.id}::bigint`);
      expect(await releaseExpiredJobLeases(database.db)).toBe(1);
      const [taken] = await claimJobs(database.db, { kinds: ['test.lost-lease'], workerId: 'other-worker', limit: 1, leaseSeconds: 60 });
      expect(taken?.id).toBe(job.id);
      await runner.renewLeases();
      expect(signal?.aborted).toBe(true);
    } finally {
      release?.();
    }
    await runner.stop();
    const row = await findJob(database.db, job.id);
    expect(row).toMatchObject({ status: 'running', attempts: 2 });
    const [lease] = await queryRows<{ lockedBy: string }>(database.db, sql`select locked_by as "lockedBy" from jobs where id = ${job.id}::bigint`);
    expect(lease?.lockedBy).toBe('other-worker');
  });

  it('runs a burst of jobs with every one finished once (claims and finishes shared between jobs)', async () => {
    const runs = new Map<string, number>();
    const ids = await database.system(async (tx) => {
      const out: string[] = [];
      for (let index = 0; index < 40; index += 1) out.push((await enqueueJob(tx, { kind: 'test.burst', payload: { n: index } })).id);
      return out;
    });
    startRunner({ 'test.burst': async (job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
    } }, { concurrency: 16 });
    for (const id of ids) await waitForStatus(id, 'done');
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(runs.size).toBe(40);
    const [row] = await queryRows<{ total: number }>(database.db, sql`select count(*)::int as total from jobs where kind = 'test.burst' and attempts = 1 and status = 'done' and finished_at is not null`);
    expect(row?.total).toBe(40);
  });

  it('runs jobs sharing an ordering key one at a time in enqueue order, others in parallel', async () => {
    const events: string[] = [];
    let inFlightSameKey = 0;
    let maxInFlightSameKey = 0;
    let maxInFlight = 0;
    let inFlight = 0;
    const ids = await database.system(async (tx) => {
      const keyed = [];
      for (let index = 0; index < 5; index += 1) keyed.push((await enqueueJob(tx, { kind: 'test.ordered', payload: { n: index, key: 'a' }, orderingKey: 'loc:a' })).id);
      for (let index = 0; index < 3; index += 1) keyed.push((await enqueueJob(tx, { kind: 'test.ordered', payload: { n: index, key: `free-${index}` } })).id);
      return keyed;
    });
    startRunner({ 'test.ordered': async (job) => {
      const isKeyed = job.payload['key'] === 'a';
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      if (isKeyed) {
        inFlightSameKey += 1;
        maxInFlightSameKey = Math.max(maxInFlightSameKey, inFlightSameKey);
        events.push(`a${String(job.payload['n'])}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 60));
      if (isKeyed) inFlightSameKey -= 1;
      inFlight -= 1;
    } }, { concurrency: 4 });
    for (const id of ids) await waitForStatus(id, 'done');
    expect(events).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(maxInFlightSameKey).toBe(1);
    expect(maxInFlight).toBeGreaterThan(1);
  });

  it('stops gracefully: the running handler sees its signal and finishes', async () => {
    const job = await database.system((tx) => enqueueJob(tx, { kind: 'test.cooperative' }));
    let started = false;
    const runner = startRunner({ 'test.cooperative': async (_job, context) => {
      started = true;
      await new Promise<void>((resolve) => context.signal.addEventListener('abort', () => resolve()));
    } });
    await waitFor(async () => (started ? true : undefined), 10_000, 'the handler to start');
    await runner.stop();
    expect((await findJob(database.db, job.id))?.status).toBe('done');
  });

  it.skipIf(testDatabaseEngine() !== 'postgres')('wakes on the NOTIFY of a committed enqueue from another connection (PostgreSQL)', async () => {
    const url = (database as Database & { url?: string }).url as string;
    let ran = false;
    const warmUp = await database.system((tx) => enqueueJob(tx, { kind: 'test.notified-warm-up' }));
    const runner = startRunner({ 'test.notified': async () => void (ran = true), 'test.notified-warm-up': async () => undefined }, { idleMs: 60_000 });
    const listener = listenForJobs(runner, { url });
    try {
      // The runner has made its first claims (and idles for a minute) and the listener is connected,
      // so only the notification can wake the runner in time.
      await waitForStatus(warmUp.id, 'done', 10_000);
      await waitFor(async () => {
        const [row] = await queryRows<{ total: number }>(
          database.db,
          sql`select count(*)::int as total from pg_stat_activity where datname = current_database() and application_name = 'switchboard-listener' and query ilike 'listen%' and state = 'idle'`,
        );
        return (row?.total ?? 0) > 0 ? true : undefined;
      }, 10_000, 'the LISTEN connection');
      const startedAt = Date.now();
      const job = await database.system((tx) => enqueueJob(tx, { kind: 'test.notified' }));
      await waitForStatus(job.id, 'done', 10_000);
      expect(ran).toBe(true);
      expect(Date.now() - startedAt).toBeLessThan(5000);
    } finally {
      await listener.stop();
    }
  });
});
