import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueJob, findJob } from '../src/platform/jobs/index.js';
import { queryRows } from '../src/platform/db/index.js';
import { DEFAULT_WEBHOOK_ROUTE } from '../src/modules/webhooks/index.js';
import { createAgency, TEST_PASSWORD, uniqueEmail } from './support/factories.js';
import { waitFor } from './support/spawn-service.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { createTestWebhookKeys, ghlEvent, signedRequest } from './webhooks-kit.js';

/*
 * Real failures on our own database (check constraints added to the test database make inserts fail
 * the way a bug or a bad row would), in a request, in a job and in a webhook processor; then the
 * captured log and the stored error texts are scanned for every secret and hash the run produced.
 */

const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long';
const PROBE_PASSWORD = 'probe-password-never-logged';
const JOB_SECRET = '$argon2id$v=19$m=19456,t=2,p=1$am9ic2VjcmV0c2FsdA$am9iLXNlY3JldC1oYXNoLXZhbHVl';
const PROCESSOR_SECRET = 'processor-secret-token-never-logged';

let app: TestApp;
const keys = createTestWebhookKeys();
const secrets: string[] = [JWT_SECRET, PROBE_PASSWORD, TEST_PASSWORD, JOB_SECRET, PROCESSOR_SECRET];
let stopWorkers = async () => {};

beforeAll(async () => {
  app = await createTestApp({ env: { ...keys.env, LOG_LEVEL: 'debug', WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_WORKER_IDLE_MS: '20' }, withDefaultProcessors: false });
});

afterAll(async () => {
  await stopWorkers();
  await app.jobs.stop();
  await app.close();
});

describe('logs carry no secrets or hashes', () => {
  it('logs failed inserts in requests, jobs and webhook processors without query values, rows or secrets', async () => {
    const agency = await createAgency(app, 1);
    const locationId = agency.locationIds[0] as string;
    const apiKey = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(agency.token), payload: { name: 'kept', locationId } });
    const invite = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(agency.token), payload: { role: 'member' } });
    const ticket = await app.app.inject({ method: 'POST', url: '/api/auth/stream-ticket', headers: bearer(agency.token) });
    secrets.push(agency.token, apiKey.json<{ key: string }>().key, invite.json<{ code: string }>().code, ticket.json<{ ticket: string }>().ticket);
    const [stored] = await queryRows<{ passwordHash: string; keyHash: string; codeHash: string }>(
      app.database.db,
      sql`select (select password_hash from users where email = ${agency.email}) as "passwordHash",
        (select key_hash from api_keys where name = 'kept') as "keyHash",
        (select code_hash from invites where company_id = ${agency.companyId} limit 1) as "codeHash"`,
    );
    if (!stored) throw new Error('no stored secrets');
    secrets.push(stored.passwordHash, stored.keyHash, stored.codeHash);
    expect(secrets.every((secret) => secret.length >= 16)).toBe(true);

    await app.database.system(async (tx) => {
      await tx.execute(sql`alter table users add constraint users_log_probe check (name <> 'Log Probe')`);
      await tx.execute(sql`alter table api_keys add constraint api_keys_log_probe check (name <> 'log-probe')`);
      await tx.execute(sql`alter table invites add constraint invites_log_probe check (email is distinct from 'probe@log.test')`);
    });

    // Requests whose insert fails: each statement carries a fresh argon2 hash or secret-code hash.
    const register = await app.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: uniqueEmail('probe'), password: PROBE_PASSWORD, name: 'Log Probe', companyName: 'Probe Co' } });
    expect(register.statusCode).toBe(500);
    const key = await app.app.inject({ method: 'POST', url: '/api/api-keys', headers: bearer(agency.token), payload: { name: 'log-probe', locationId } });
    expect(key.statusCode).toBe(500);
    const invited = await app.app.inject({ method: 'POST', url: '/api/invites', headers: bearer(agency.token), payload: { role: 'member', email: 'probe@log.test' } });
    expect(invited.statusCode).toBe(500);
    const login = await app.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: agency.email, password: `${TEST_PASSWORD}-wrong` } });
    expect(login.statusCode).toBe(401);
    secrets.push(`${TEST_PASSWORD}-wrong`);

    // A job whose handler's insert fails, with a hash among its parameters.
    app.jobs.register('test.log-probe', async () => {
      await app.database.system((tx) => tx.execute(sql`insert into users (id, email, name, password_hash, role) values ('usr_log_probe', 'job@log.test', 'Log Probe', ${JOB_SECRET}, 'member')`));
    });
    const job = await app.database.system((tx) => enqueueJob(tx, { kind: 'test.log-probe', maxAttempts: 1 }));
    app.jobs.start();
    const deadJob = await waitFor(async () => {
      const found = await findJob(app.database.db, job.id);
      return found?.status === 'dead' ? found : undefined;
    }, 30_000, 'the probe job to die');

    // A webhook processor whose insert fails, with a token among its parameters.
    app.processors.register('LogProbe', DEFAULT_WEBHOOK_ROUTE, async (tx) => {
      await tx.execute(sql`insert into users (id, email, name, password_hash, role) values ('usr_log_probe_2', 'hook@log.test', 'Log Probe', ${PROCESSOR_SECRET}, 'member')`);
      return { status: 'done' };
    });
    const request = signedRequest(keys, ghlEvent('LogProbe'));
    const accepted = await app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', headers: request.headers, payload: request.body });
    expect(accepted.statusCode).toBe(200);
    const workers = app.webhooks.startWorkers();
    stopWorkers = () => workers.stop();
    const eventId = accepted.json<{ id: string }>().id;
    const deadEvent = await waitFor(async () => {
      const [row] = await queryRows<{ status: string; lastError: string | null; errors: unknown }>(app.database.db, sql`select status, last_error as "lastError", errors from webhook_events where id = ${eventId}`);
      return row?.status === 'dead' ? row : undefined;
    }, 30_000, 'the probe event to die');

    const logged = app.logs.join('\n');
    // The failures were logged, with what one needs to fix them.
    for (const constraint of ['users_log_probe', 'api_keys_log_probe', 'invites_log_probe']) expect(logged).toContain(constraint);
    expect(logged).toContain('job failed');
    expect(logged).toContain('webhook processor failed');
    // … and nothing else.
    for (const secret of secrets) expect(logged, `log contains ${secret.slice(0, 12)}…`).not.toContain(secret);
    expect(logged).not.toContain('$argon2');
    expect(logged).not.toContain('"params"');
    expect(logged).not.toContain('\\nparams: ');
    expect(logged).not.toContain('Failing row contains (');

    // The error texts we store (and show operators) follow the same rule.
    const storedTexts = JSON.stringify([deadJob, deadEvent]);
    expect(storedTexts).toContain('users_log_probe');
    for (const secret of secrets) expect(storedTexts).not.toContain(secret);
    expect(storedTexts).not.toContain('params: ');
  });
});
