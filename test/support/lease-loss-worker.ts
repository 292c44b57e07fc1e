import { createInterface } from 'node:readline';
import { sql } from 'drizzle-orm';
import { bootstrap } from '../../src/main/bootstrap.js';
import { wireApp } from '../../src/main/wire.js';
import { queryRows } from '../../src/platform/db/index.js';
import { isJobLeaseHeld, JobRunner } from '../../src/platform/jobs/index.js';

/**
 * The first worker of the lease-loss tests, a real process on the test's PostgreSQL database. It
 * blocks inside its work until the test writes `release` on stdin; the test SIGSTOPs it meanwhile, so
 * its lease renewals stop as they would in a long GC pause or a frozen VM.
 *
 * LEASE_MODE=webhooks: the app's webhook workers with the product's processors, plus one processor
 * subscribed before them that blocks on the ContactDelete of LEASE_BLOCK_ENTITY (and skips, so the
 * skip rule is unchanged).
 * LEASE_MODE=jobs: a JobRunner running `test.lease-effect`, whose handler blocks, then makes its one
 * effect with the jobs fence (isJobLeaseHeld), then returns.
 */
const lines = createInterface({ input: process.stdin });
const waiting: (() => void)[] = [];
lines.on('line', (line) => {
  if (line.trim() === 'release') waiting.shift()?.();
});
const blockUntilReleased = (label: string) =>
  new Promise<void>((resolve) => {
    waiting.push(resolve);
    process.stdout.write(`blocking ${label}\n`);
  });

const booted = await bootstrap('lease-loss');
if (process.env.LEASE_MODE === 'jobs') {
  const runner = new JobRunner({ database: booted.database, logger: booted.logger, settings: { leaseSeconds: Number(process.env.LEASE_SECONDS ?? '3'), idleMs: 50 } });
  runner.register('test.lease-effect', async (job, context) => {
    await blockUntilReleased(job.id);
    process.stdout.write(`signal aborted: ${String(context.signal.aborted)}\n`);
    const written = await queryRows(
      booted.database.db,
      sql`insert into lease_effects (job_id, worker_id) select ${job.id}, ${context.workerId} where ${isJobLeaseHeld({ jobId: job.id, workerId: context.workerId })} returning 1 as "ok"`,
    );
    process.stdout.write(`effect written: ${written.length}\n`);
  });
  runner.start();
  process.stdout.write(`lease-loss jobs ready worker=${runner.workerId}\n`);
} else {
  const wired = await wireApp({ ...booted, withDefaultProcessors: false });
  const blocked = process.env.LEASE_BLOCK_ENTITY;
  wired.processors.subscribe({
    eventTypes: ['ContactDelete'],
    process: async (_tx, event) => {
      if (event.payload['id'] === blocked) await blockUntilReleased(event.deliveryId);
      return { status: 'skipped', reason: 'lease test blocker' };
    },
  });
  // Then what wire.ts subscribes: the product's processors, in module order.
  for (const module of wired.modules) wired.processors.subscribeAll(module.webhooks ?? []);
  const workers = wired.webhooks.startWorkers();
  process.stdout.write(`lease-loss webhooks ready worker=${workers.workerId}\n`);
}
