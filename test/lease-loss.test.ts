import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import type { AppConfig } from '../src/config/index.js';
import { queryRows } from '../src/platform/db/index.js';
import { createLogger } from '../src/platform/log/index.js';
import { enqueueJob, findJob, isJobLeaseHeld, JobRunner } from '../src/platform/jobs/index.js';
import { installEffectLog } from './support/crash-effects.js';
import { spawnScript, waitFor, type SpawnedService } from './support/spawn-service.js';
import { createTestApp } from './support/test-app.js';
import { createTestDatabase, testDatabaseEngine, testDatabaseUrl } from './support/test-database.js';
import { createTestWebhookKeys, ghlEvent, signedRequest } from './webhooks-kit.js';

/*
 * A worker that stalls past its lease (a GC pause, a frozen VM: here SIGSTOP while its processor
 * blocks) while a second worker takes the row over and finishes it. The stalled worker's late commit
 * must be refused and the effect must happen once. Leases are lost only to another process, so this
 * needs two OS processes on PostgreSQL (a PGlite data dir opens in one process only).
 */

const children: SpawnedService[] = [];

function postgresUrlOf(config: AppConfig): string {
  if (config.database.engine !== 'postgres') throw new Error('this test needs the PostgreSQL pass');
  return config.database.url;
}
afterAll(() => {
  for (const child of children) {
    if (child.process.exitCode === null && child.process.signalCode === null) {
      child.process.kill('SIGCONT');
      child.process.kill('SIGKILL');
    }
  }
});

function startStalledWorker(env: Record<string, string>): SpawnedService {
  // Never let the child fall back to a PGlite directory in the repository.
  if (!env['DATABASE_URL']) throw new Error('the stalled worker needs the test database URL');
  const child = spawnScript('test/support/lease-loss-worker.ts', { GHL_SANDBOX: 'off', LOG_LEVEL: 'warn', ...env }, { stdin: 'pipe' });
  children.push(child);
  return child;
}

async function waitForOutput(child: SpawnedService, pattern: RegExp, what: string): Promise<RegExpExecArray> {
  return waitFor(async () => pattern.exec(child.output()) ?? undefined, 120_000, what);
}

describe.skipIf(testDatabaseEngine() !== 'postgres')('lease loss (two OS processes on PostgreSQL)', () => {
  it('webhooks: the stalled worker\'s commit is refused after another worker finished the event, and the effect happens once', async () => {
    const keys = createTestWebhookKeys();
    const app = await createTestApp({ env: { ...keys.env, WEBHOOK_LEASE_SECONDS: '3', WEBHOOK_WORKER_IDLE_MS: '100' } });
    let survivor: { stop(): Promise<void> } | undefined;
    try {
      await installEffectLog(app.database.db);
      const deliver = async (payload: Record<string, unknown>) => {
        const request = signedRequest(keys, payload);
        const response = await app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', headers: request.headers, payload: request.body });
        expect(response.statusCode).toBe(200);
        return payload['webhookId'] as string;
      };
      const eventRow = async (deliveryId: string) =>
        (
          await queryRows<{ status: string; attempts: number; lockedBy: string | null; isLeaseOver: boolean | null }>(
            app.database.db,
            sql`select status, attempts, locked_by as "lockedBy", lease_until < now() as "isLeaseOver" from webhook_events where delivery_id = ${deliveryId}`,
          )
        )[0];
      const stalled = startStalledWorker({
        ...keys.env,
        DATABASE_URL: postgresUrlOf(app.config),
        LEASE_MODE: 'webhooks',
        LEASE_BLOCK_ENTITY: 'contact_lease',
        WEBHOOK_LEASE_SECONDS: '3',
        WEBHOOK_WORKER_IDLE_MS: '100',
      });
      const stalledId = (await waitForOutput(stalled, /lease-loss webhooks ready worker=(\S+)/, 'the first worker'))[1] as string;

      const created = await deliver(ghlEvent('ContactCreate', { locationId: 'loc_0', id: 'contact_lease', firstName: 'Lease', dateUpdated: '2026-01-01T00:00:00Z' }));
      await waitFor(async () => ((await eventRow(created))?.status === 'done' ? true : undefined), 60_000, 'the create to be applied');
      const deleted = await deliver(ghlEvent('ContactDelete', { locationId: 'loc_0', id: 'contact_lease' }));
      await waitForOutput(stalled, new RegExp(`blocking ${deleted}`), 'the first worker to block inside the delete');
      expect(await eventRow(deleted)).toMatchObject({ status: 'running', attempts: 1, lockedBy: stalledId });

      // The first worker stalls: no renewals. Its lease runs out for real.
      stalled.process.kill('SIGSTOP');
      await waitFor(async () => ((await eventRow(deleted))?.isLeaseOver === true ? true : undefined), 30_000, 'the stalled lease to expire');

      // A second worker (this process) reaps the lease, claims the row again and finishes it.
      survivor = app.webhooks.startWorkers({ workerId: 'worker-b' });
      await waitFor(async () => ((await eventRow(deleted))?.status === 'done' ? true : undefined), 60_000, 'the second worker to finish the delete');
      expect(await eventRow(deleted)).toMatchObject({ status: 'done', attempts: 2, lockedBy: 'worker-b' });

      // The first worker wakes up, finishes its processors and tries to commit: refused by the fence.
      stalled.process.kill('SIGCONT');
      stalled.process.stdin?.write('release\n');
      await waitForOutput(stalled, /was lost before commit/, 'the late commit to be refused');
      expect(stalled.process.exitCode).toBeNull();
      expect(await eventRow(deleted)).toMatchObject({ status: 'done', attempts: 2, lockedBy: 'worker-b' });
      const effects = await queryRows<{ deliveryId: string; transactions: number }>(
        app.database.db,
        sql`select delivery_id as "deliveryId", count(distinct txid)::int as transactions from crash_effects where ghl_id = 'contact_lease' group by delivery_id order by delivery_id`,
      );
      expect(effects).toEqual([created, deleted].sort().map((deliveryId) => ({ deliveryId, transactions: 1 })));
      const [contact] = await queryRows<{ isDeleted: boolean }>(app.database.db, sql`select deleted_at is not null as "isDeleted" from contacts where ghl_id = 'contact_lease'`);
      expect(contact?.isDeleted).toBe(true);
    } finally {
      await survivor?.stop();
      await app.close();
    }
  }, 300_000);

  it('jobs: the stalled handler\'s fenced write and its finish are refused after another runner finished the job, and the effect happens once', async () => {
    const database = await createTestDatabase();
    const runner = new JobRunner({ database, logger: createLogger({ level: 'silent' }), workerId: 'runner-b', settings: { leaseSeconds: 30, idleMs: 50 } });
    try {
      await database.db.execute(sql`create table lease_effects (job_id text not null, worker_id text not null)`);
      const job = await database.system((tx) => enqueueJob(tx, { kind: 'test.lease-effect' }));
      const stalled = startStalledWorker({ DATABASE_URL: testDatabaseUrl(database) as string, LEASE_MODE: 'jobs', LEASE_SECONDS: '3' });
      const stalledId = (await waitForOutput(stalled, /lease-loss jobs ready worker=(\S+)/, 'the first runner'))[1] as string;
      await waitForOutput(stalled, new RegExp(`blocking ${job.id}\\n`), 'the first handler to block');
      const leaseOf = async () =>
        (await queryRows<{ status: string; attempts: number; lockedBy: string | null; isLeaseOver: boolean | null }>(
          database.db,
          sql`select status, attempts, locked_by as "lockedBy", lease_until < now() as "isLeaseOver" from jobs where id = ${job.id}::bigint`,
        ))[0];
      expect(await leaseOf()).toMatchObject({ status: 'running', attempts: 1, lockedBy: stalledId });

      stalled.process.kill('SIGSTOP');
      await waitFor(async () => ((await leaseOf())?.isLeaseOver === true ? true : undefined), 30_000, 'the stalled lease to expire');

      runner.register('test.lease-effect', async (claimed, context) => {
        await queryRows(database.db, sql`insert into lease_effects (job_id, worker_id) select ${claimed.id}, ${context.workerId} where ${isJobLeaseHeld({ jobId: claimed.id, workerId: context.workerId })} returning 1 as "ok"`);
      });
      runner.start();
      // Its reaper pass is called here rather than waiting for the timer of a 30 s lease.
      await waitFor(async () => {
        await runner.reapExpiredLeases();
        return (await findJob(database.db, job.id))?.status === 'done' ? true : undefined;
      }, 60_000, 'the second runner to release the stalled lease and finish the job');

      stalled.process.kill('SIGCONT');
      stalled.process.stdin?.write('release\n');
      await waitForOutput(stalled, /effect written: 0/, 'the stalled handler\'s fenced write to be refused');
      await waitForOutput(stalled, /job finished after its lease was lost/, 'the stalled finish to be refused');
      expect(await leaseOf()).toMatchObject({ status: 'done', attempts: 2, lockedBy: 'runner-b' });
      expect(await queryRows(database.db, sql`select job_id as "jobId", worker_id as "workerId" from lease_effects`)).toEqual([{ jobId: job.id, workerId: 'runner-b' }]);
    } finally {
      await runner.stop();
      await database.close();
    }
  }, 300_000);
});
