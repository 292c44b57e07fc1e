import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { waitFor } from '../../../test/support/spawn-service.js';
import { queryRows, type Database } from '../db/index.js';
import { generateId } from '../ids/ids.js';
import { claimJobs, findJob, JobRunner, releaseExpiredJobLeases } from '../jobs/index.js';
import { createLogger } from '../log/index.js';
import {
  enqueueRun,
  executeRun,
  findRun,
  listRunSteps,
  registerRunJob,
  RunInterruptedError,
  RunStepError,
  type RunDefinition,
  type RunKind,
  type RunStepDefinition,
  type RunStepRow,
  type StepRun,
} from './index.js';

/*
 * The engine on a real database with a small definition of its own: each step pages through an
 * in-memory source and commits every page into a table of this test (a plain insert, so a page applied
 * twice would fail on the primary key), with its checkpoint.
 */

let database: Database;
const logger = createLogger({ level: 'silent' });
const KIND = 'engine-test';
// Each test that involves jobs has a job kind of its own, so it claims only its own jobs.
const JOB_KIND = 'test.engine-direct';
const PAGE_SIZE = 10;
const BASE_MS = Date.parse('2026-01-01T00:00:00.000Z');

interface Source {
  pages: number;
  /** `${step}:${page}` for every page requested, in order. */
  fetched: string[];
  /** Step names in the order they began their first page. */
  started: string[];
  /** Steps running at once, at most. */
  maxInFlight: number;
  inFlight: number;
  /** Awaited before a page is requested (the test pauses or stops a run there). */
  beforeFetch?: (step: string, page: number) => Promise<void> | void;
}

const newSource = (pages: number, beforeFetch?: Source['beforeFetch']): Source => ({ pages, fetched: [], started: [], maxInFlight: 0, inFlight: 0, ...(beforeFetch ? { beforeFetch } : {}) });

function pagedStep(source: Source, name: string, options: { dependsOn?: string[]; isRequired?: boolean; failAtPage?: number } = {}): RunStepDefinition<StepRun> {
  return {
    name,
    ...(options.dependsOn ? { dependsOn: options.dependsOn } : {}),
    ...(options.isRequired ? { isRequired: true } : {}),
    async run(step) {
      source.inFlight += 1;
      source.maxInFlight = Math.max(source.maxInFlight, source.inFlight);
      try {
        let next = Number(step.step.cursor?.['next'] ?? 0);
        while (next < source.pages) {
          const page = next;
          await source.beforeFetch?.(name, page);
          step.throwIfStopped();
          if (page === 0 && !source.started.includes(name)) source.started.push(name);
          step.countRequest();
          source.fetched.push(`${name}:${page}`);
          if (options.failAtPage === page) throw new RunStepError(`${name} page ${page} answered 500`);
          const items = Array.from({ length: PAGE_SIZE }, (_, index) => page * PAGE_SIZE + index);
          await step.commit(async (tx) => {
            await tx.execute(sql`insert into run_engine_test_items (run_id, step, item) select ${step.run.id}, ${name}, unnest(${sql.param(items)}::int[])`);
            return { cursor: { next: page + 1 }, records: items.length, counts: { seen: items.length, pages: 1 }, highWaterAt: new Date(BASE_MS + page * 1000) };
          });
          next += 1;
        }
      } finally {
        source.inFlight -= 1;
      }
    },
  };
}

function definitionOf(steps: readonly RunStepDefinition<StepRun>[], options: Partial<Pick<RunDefinition<StepRun>, 'maxParallelSteps' | 'prepare'>> = {}): RunDefinition<StepRun> {
  return {
    kind: KIND,
    label: 'engine test',
    steps,
    ...options,
    createContext: (step) => step,
    summarize: (_run, rows) => ({ status: rows.every((row) => row.status === 'done') ? 'done' : 'partial', summary: { records: rows.reduce((sum, row) => sum + row.recordCount, 0) } }),
    abandon: (_run, rows) => ({ status: 'failed', summary: { records: rows.reduce((sum, row) => sum + row.recordCount, 0) } }),
  };
}

const kindOf = (stepNames: readonly string[], maxAttempts = 3, jobKind = JOB_KIND): RunKind => ({ kind: KIND, jobKind, idPrefix: 'run', stepNames, maxAttempts });

async function createRun(stepNames: readonly string[], maxAttempts = 3, jobKind = JOB_KIND) {
  return database.system((tx) => enqueueRun(tx, generateId, kindOf(stepNames, maxAttempts, jobKind), { companyId: 'company-1', locationId: `location-${generateId()}`, params: { source: 'memory' }, trigger: 'manual' }));
}

async function stepsOf(runId: string): Promise<Record<string, RunStepRow>> {
  return Object.fromEntries((await listRunSteps(database.db, [runId])).map((row) => [row.step, row]));
}

async function itemsOf(runId: string, step: string): Promise<number[]> {
  const rows = await queryRows<{ item: number }>(database.db, sql`select item from run_engine_test_items where run_id = ${runId} and step = ${step} order by item`);
  return rows.map((row) => Number(row.item));
}

const range = (count: number) => Array.from({ length: count }, (_, index) => index);

function deferred(): { promise: Promise<void>; resolve: () => void } {
  const settle: { resolve?: () => void } = {};
  const promise = new Promise<void>((done) => {
    settle.resolve = done;
  });
  return { promise, resolve: () => settle.resolve?.() };
}

beforeAll(async () => {
  database = await createTestDatabase();
  await database.system((tx) => tx.execute(sql`create table run_engine_test_items (run_id text not null, step text not null, item int not null, primary key (run_id, step, item))`));
});
afterAll(async () => database?.close());

describe('run engine', () => {
  it('runs steps in dependency order: required steps first and alone, then the rest as their dependencies finish', async () => {
    const source = newSource(2);
    const steps = [
      pagedStep(source, 'profile', { isRequired: true }),
      pagedStep(source, 'catalog', { isRequired: true }),
      pagedStep(source, 'orders', { dependsOn: ['catalog'] }),
      pagedStep(source, 'invoices', { dependsOn: ['orders'] }),
      pagedStep(source, 'notes'),
    ];
    const { runId } = await createRun(steps.map((step) => step.name));
    const finished = await executeRun({ database, logger }, definitionOf(steps), runId, new AbortController().signal);
    expect(finished).toMatchObject({ status: 'done', summary: { records: 5 * 2 * PAGE_SIZE } });
    expect(source.started.slice(0, 2).sort()).toEqual(['catalog', 'profile']);
    expect(source.started.indexOf('invoices')).toBeGreaterThan(source.started.indexOf('orders'));
    const rows = await stepsOf(runId);
    const lastRequiredDone = Math.max(rows['profile']?.finishedAt?.getTime() ?? Infinity, rows['catalog']?.finishedAt?.getTime() ?? Infinity);
    for (const name of ['orders', 'notes']) expect(rows[name]?.startedAt?.getTime()).toBeGreaterThanOrEqual(lastRequiredDone);
    expect(rows['invoices']?.startedAt?.getTime()).toBeGreaterThanOrEqual(rows['orders']?.finishedAt?.getTime() ?? Infinity);
    // Ready once every required step was done, before the optional ones finished.
    expect(finished.readyAt?.getTime()).toBeGreaterThanOrEqual(lastRequiredDone);
    expect(finished.readyAt?.getTime()).toBeLessThanOrEqual(rows['notes']?.finishedAt?.getTime() ?? 0);
    expect(Object.values(rows).map((row) => [row.step, row.status, row.recordCount, row.requestCount, row.attempts])).toEqual(steps.map((step) => [step.name, 'done', 2 * PAGE_SIZE, 2, 1]));
  });

  it('with maxParallelSteps 1 runs the steps one after another in definition order', async () => {
    const source = newSource(2);
    const steps = ['contacts', 'opportunities', 'messages'].map((name) => pagedStep(source, name));
    const { runId } = await createRun(steps.map((step) => step.name));
    const finished = await executeRun({ database, logger }, definitionOf(steps, { maxParallelSteps: 1 }), runId, new AbortController().signal);
    expect(finished.status).toBe('done');
    expect(source.maxInFlight).toBe(1);
    expect(source.fetched).toEqual(['contacts:0', 'contacts:1', 'opportunities:0', 'opportunities:1', 'messages:0', 'messages:1']);
  });

  it('resumes an interrupted run from its checkpoints: no page fetched twice, none applied twice, figures summed over attempts', async () => {
    const controller = new AbortController();
    const source = newSource(5, (_step, page) => {
      // The worker stops after two committed pages (as on shutdown or a lost lease).
      if (page === 2 && source.fetched.length === 2) controller.abort();
    });
    const steps = [pagedStep(source, 'items')];
    const { runId } = await createRun(['items']);
    await expect(executeRun({ database, logger }, definitionOf(steps), runId, controller.signal)).rejects.toThrow(RunInterruptedError);
    const halfway = (await stepsOf(runId))['items'];
    expect(halfway).toMatchObject({ status: 'running', cursor: { next: 2 }, recordCount: 2 * PAGE_SIZE, requestCount: 2, attempts: 1 });
    expect((await findRun(database.db, runId))?.status).toBe('running');

    const finished = await executeRun({ database, logger }, definitionOf(steps), runId, new AbortController().signal);
    expect(finished.status).toBe('done');
    expect(source.fetched).toEqual(['items:0', 'items:1', 'items:2', 'items:3', 'items:4']);
    expect(await itemsOf(runId, 'items')).toEqual(range(5 * PAGE_SIZE));
    const done = (await stepsOf(runId))['items'];
    expect(done).toMatchObject({ status: 'done', cursor: { next: 5 }, recordCount: 5 * PAGE_SIZE, requestCount: 5, attempts: 2, counts: { seen: 5 * PAGE_SIZE, pages: 5 } });
    expect(done?.highWaterAt?.toISOString()).toBe(new Date(BASE_MS + 4000).toISOString());
    // A finished run is left as it is.
    const again = await executeRun({ database, logger }, definitionOf(steps), runId, new AbortController().signal);
    expect(again.finishedAt?.getTime()).toBe(finished.finishedAt?.getTime());
    expect(source.fetched).toHaveLength(5);
  });

  it('a failed step fails only itself and the steps that depend on it; independent steps complete', async () => {
    const source = newSource(3);
    const steps = [pagedStep(source, 'calendars', { failAtPage: 1 }), pagedStep(source, 'appointments', { dependsOn: ['calendars'] }), pagedStep(source, 'contacts')];
    const { runId } = await createRun(steps.map((step) => step.name));
    const finished = await executeRun({ database, logger }, definitionOf(steps), runId, new AbortController().signal);
    expect(finished.status).toBe('partial');
    const rows = await stepsOf(runId);
    expect(rows['calendars']).toMatchObject({ status: 'failed', error: 'calendars page 1 answered 500', recordCount: PAGE_SIZE, requestCount: 2 });
    expect(rows['appointments']).toMatchObject({ status: 'skipped', error: 'skipped: calendars failed', attempts: 0, requestCount: 0 });
    expect(rows['contacts']).toMatchObject({ status: 'done', recordCount: 3 * PAGE_SIZE });
    expect(source.fetched.filter((page) => page.startsWith('appointments'))).toEqual([]);
  });

  it('fences a worker that lost its job lease: its page rolls back with the checkpoint and the new holder finishes the run', async () => {
    const paused = deferred();
    const resume = deferred();
    const source = newSource(3, async (step, page) => {
      if (step === 'items' && page === 1 && !source.fetched.includes('items:1')) {
        paused.resolve();
        await resume.promise;
      }
    });
    const steps = [pagedStep(source, 'items')];
    const fencedKind = 'test.engine-fenced';
    const { runId, jobId } = await createRun(['items'], 3, fencedKind);
    const [claimedByA] = await claimJobs(database.db, { kinds: [fencedKind], workerId: 'worker-a', limit: 1, leaseSeconds: 60 });
    expect(claimedByA?.id).toBe(jobId);
    const stalled = executeRun({ database, logger }, definitionOf(steps), runId, new AbortController().signal, { jobId, workerId: 'worker-a' });
    await paused.promise;
    // Worker A stalls past its lease: the reaper releases the job and worker B claims it.
    await database.system((tx) => tx.execute(sql`update jobs set lease_until = now() - interval '1 second' where id = ${jobId}::bigint`));
    expect(await releaseExpiredJobLeases(database.db)).toBe(1);
    const [claimedByB] = await claimJobs(database.db, { kinds: [fencedKind], workerId: 'worker-b', limit: 1, leaseSeconds: 60 });
    expect(claimedByB?.id).toBe(jobId);
    resume.resolve();
    await expect(stalled).rejects.toThrow(RunInterruptedError);
    expect(await itemsOf(runId, 'items')).toEqual(range(PAGE_SIZE));
    expect((await stepsOf(runId))['items']).toMatchObject({ status: 'running', cursor: { next: 1 }, recordCount: PAGE_SIZE });

    const finished = await executeRun({ database, logger }, definitionOf(steps), runId, new AbortController().signal, { jobId, workerId: 'worker-b' });
    expect(finished.status).toBe('done');
    expect(await itemsOf(runId, 'items')).toEqual(range(3 * PAGE_SIZE));
    // Only the page in flight when the lease was lost is fetched again.
    expect(source.fetched).toEqual(['items:0', 'items:1', 'items:1', 'items:2']);
    expect((await stepsOf(runId))['items']).toMatchObject({ status: 'done', recordCount: 3 * PAGE_SIZE, attempts: 2 });
    // Without the lease nothing is written at all, not even the start.
    const { runId: otherRunId, jobId: otherJobId } = await createRun(['items'], 3, fencedKind);
    await expect(executeRun({ database, logger }, definitionOf(steps), otherRunId, new AbortController().signal, { jobId: otherJobId, workerId: 'worker-a' })).rejects.toThrow(RunInterruptedError);
    expect(await findRun(database.db, otherRunId)).toMatchObject({ status: 'pending', startedAt: null });
  });

  it('runs as a job: registered once per kind, the job ends done; after the last failed attempt the run is closed', async () => {
    const runnerKind = 'test.engine-runner';
    const runner = new JobRunner({ database, logger, settings: { idleMs: 50, leaseSeconds: 10 } });
    const source = newSource(2);
    const steps = [pagedStep(source, 'items')];
    let isBroken = false;
    registerRunJob(
      runner,
      { database, logger },
      kindOf(['items'], 1, runnerKind),
      definitionOf(steps, {
        async prepare() {
          if (isBroken) throw new Error('source unreachable');
          return undefined;
        },
      }),
    );
    runner.start();
    try {
      const { runId, jobId } = await createRun(['items'], 1, runnerKind);
      runner.wake();
      expect((await waitFor(async () => ((await findJob(database.db, jobId))?.status === 'done' ? true : undefined), 15_000, 'job done')) && (await findRun(database.db, runId))?.status).toBe('done');

      isBroken = true;
      const broken = await createRun(['items'], 1, runnerKind);
      runner.wake();
      await waitFor(async () => ((await findJob(database.db, broken.jobId))?.status === 'dead' ? true : undefined), 15_000, 'job dead');
      expect(await findRun(database.db, broken.runId)).toMatchObject({ status: 'failed', error: 'engine test gave up after its last attempt: Error: source unreachable', summary: { records: 0 } });
    } finally {
      await runner.stop();
    }
  });
});
