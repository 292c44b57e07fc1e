import { sql } from 'drizzle-orm';
import { bootstrap, onShutdown } from '../src/main/bootstrap.js';
import { wireApp } from '../src/main/wire.js';
import { queryRows } from '../src/platform/db/index.js';

/**
 * The real service (API + job runner, like `npm start`) sending to provider fakes the test runs.
 * With SEED=1 it first creates two agencies and notifies one email each: agency A through the
 * operator's default provider (env: Resend), agency B through its own SMTP settings.
 */
const booted = await bootstrap('notify-crash');
const wired = await wireApp({ ...booted });
const db = booted.database.db;
if (process.env.SEED === '1') {
  await booted.database.system(async (tx) => {
    await tx.execute(sql`insert into companies (id, name) values ('co_resend', 'Resend agency'), ('co_smtp', 'SMTP agency') on conflict do nothing`);
    await tx.execute(sql`insert into notification_settings (company_id, email_provider, email_from, smtp_host, smtp_port)
      values ('co_smtp', 'smtp', 'crash@agency.test', ${process.env.CRASH_SMTP_HOST ?? '127.0.0.1'}, ${Number(process.env.CRASH_SMTP_PORT)}) on conflict do nothing`);
    await wired.notifications.notify(tx, { companyId: 'co_resend' }, 'crash.test', [{ email: 'resend-reader@example.com' }], { subject: 'Crash test', message: 'Sent once' }, { sourceKey: 'crash' });
    await wired.notifications.notify(tx, { companyId: 'co_smtp' }, 'crash.test', [{ email: 'smtp-reader@example.com' }], { subject: 'Crash test', message: 'Sent once' }, { sourceKey: 'crash' });
  });
}
wired.app.get('/test/deliveries', async () =>
  queryRows(db, sql`select id, company_id as "companyId", status, attempts, reason, provider, provider_message_id as "providerMessageId", in_flight_attempt as "inFlightAttempt" from notification_deliveries order by company_id`),
);
await wired.app.listen({ host: '127.0.0.1', port: booted.config.http.port });
wired.jobs.start();
process.stdout.write('notify-crash service ready\n');
onShutdown(booted.logger, 5000, [
  { name: 'http server', run: () => wired.app.close() },
  { name: 'jobs', run: () => wired.jobs.stop() },
  { name: 'database', run: () => booted.database.close() },
]);
