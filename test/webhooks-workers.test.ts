import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openDatabase, queryRows, type Database } from '../src/platform/db/index.js';
import { insertInboxRows, type NewInboxRow } from '../src/modules/webhooks/webhook-inbox.repo.js';
import { DEFAULT_WEBHOOK_ROUTE, routeWebhookEvent } from '../src/modules/webhooks/index.js';
import { spawnEntry, waitFor, type SpawnedService } from './support/spawn-service.js';

const target = inject('testDatabase');

describe('webhook worker processes', () => {
  it('refuses to start without DATABASE_URL, with a clear message', async () => {
    const worker = spawnEntry('worker.ts', { PGLITE_DATA_DIR: '/nonexistent/never-opened' });
    expect(await worker.exited).toBe(2);
    expect(worker.output()).toContain('npm run worker needs DATABASE_URL');
  });

  describe.skipIf(target.engine !== 'postgres')('on PostgreSQL', () => {
    const name = target.engine === 'postgres' ? `${target.runPrefix}_workers_${randomBytes(4).toString('hex')}` : '';
    let database: Database | undefined;
    const workers: SpawnedService[] = [];
    afterAll(async () => {
      for (const worker of workers) worker.process.kill('SIGKILL');
      await database?.close();
      if (target.engine === 'postgres') {
        const admin = new pg.Client({ connectionString: target.adminUrl });
        await admin.connect();
        await admin.query(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    });

    it('shares one inbox between several worker processes: every event finished exactly once', async () => {
      if (target.engine !== 'postgres') return;
      const admin = new pg.Client({ connectionString: target.adminUrl });
      await admin.connect();
      await admin.query(`create database ${name} template ${target.templateName}`);
      await admin.end();
      const url = new URL(target.adminUrl);
      url.pathname = `/${name}`;
      database = await openDatabase({ engine: 'postgres', url: url.toString(), poolMax: 4 });
      for (let index = 0; index < 2; index += 1) {
        workers.push(spawnEntry('worker.ts', { DATABASE_URL: url.toString(), WEBHOOK_WORKER_BATCH_SIZE: '20', WEBHOOK_WORKER_IDLE_MS: '50', GHL_SANDBOX: 'off' }));
      }
      await waitFor(async () => (workers.every((worker) => worker.output().includes('webhook worker')) ? true : undefined), 60_000, 'workers to start');

      const rows: NewInboxRow[] = [];
      for (let index = 0; index < 3000; index += 1) {
        const payload = { type: 'SwitchboardTestEvent', locationId: `loc_${index % 20}`, id: `e_${index % 300}` };
        rows.push({ provider: 'ghl', deliveryId: `d_${index}`, eventType: payload.type, ...routeWebhookEvent('ghl', payload.type, payload, DEFAULT_WEBHOOK_ROUTE), payloadJson: JSON.stringify(payload), bodySha256: 'x' });
      }
      for (let offset = 0; offset < rows.length; offset += 500) await insertInboxRows(database, rows.slice(offset, offset + 500));

      const db = database;
      await waitFor(
        async () => {
          const [open] = await queryRows<{ count: number }>(db.db, sql`select count(*)::int as "count" from webhook_events where status not in ('done', 'skipped')`);
          return open?.count === 0 ? true : undefined;
        },
        60_000,
        'the workers to finish every event',
      );
      const byWorker = await queryRows<{ lockedBy: string; count: number; attempts: number }>(
        db.db,
        sql`select locked_by as "lockedBy", count(*)::int as "count", max(attempts)::int as "attempts" from webhook_events group by locked_by`,
      );
      expect(byWorker.reduce((sum, row) => sum + row.count, 0)).toBe(3000);
      expect(byWorker.length).toBe(2);
      expect(byWorker.every((row) => row.attempts === 1)).toBe(true);
    });
  });
});
