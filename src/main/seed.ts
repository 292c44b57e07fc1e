import { bootstrap, readConfigOrExit } from './bootstrap.js';
import { wireApp } from './wire.js';
import { DEMO_ACCOUNTS, seedDemoTenant } from '../modules/tenants/index.js';
import { isDataDirLocked } from '../platform/db/index.js';
import { createHttpClient, HttpNetworkError, HttpTimeoutError, type HttpResponse } from '../platform/http-client/index.js';

interface DemoSummary {
  isNew: boolean;
  companyId: string;
  locationIds: string[];
  adminEmail: string;
  memberEmail: string;
}

const password = process.env.SEED_PASSWORD ?? DEMO_ACCOUNTS.password;
const config = readConfigOrExit();
const serviceBase = `http://127.0.0.1:${config.http.port}`;

/** True when a running service holds the embedded database (only one process may open it). */
function isDataDirHeldByService(): boolean {
  return config.database.engine === 'pglite' && isDataDirLocked(config.database.dataDir);
}

/** While `npm start` runs on the embedded database, the seed goes through its development endpoint. */
async function seedThroughService(): Promise<DemoSummary> {
  const http = createHttpClient({ defaultTimeoutMs: 30_000, retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0, maxRateLimitWaits: 0 } });
  let response: HttpResponse;
  try {
    response = await http.send({
      method: 'POST',
      url: `${serviceBase}/api/auth/demo-session`,
      endpoint: 'POST /api/auth/demo-session',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(process.env.SEED_PASSWORD ? { password } : {}),
    });
  } catch (error) {
    if (!(error instanceof HttpNetworkError || error instanceof HttpTimeoutError)) throw error;
    process.stderr.write(`The embedded database is in use by another process, and no Switchboard answers at ${serviceBase}.\nStop the other process, or start the service there.\n`);
    process.exit(3);
  }
  if (response.status === 404) {
    process.stderr.write('The running service offers no demo seeding (NODE_ENV=production). Stop it and run npm run seed again.\n');
    process.exit(3);
  }
  if (response.status !== 200) {
    process.stderr.write(`The running service refused to seed: ${response.status} ${response.text}\n`);
    process.exit(1);
  }
  return (JSON.parse(response.text) as { demo: DemoSummary }).demo;
}

async function seedDirectly(): Promise<DemoSummary> {
  const booted = await bootstrap('seed');
  const wired = await wireApp(booted);
  try {
    return await seedDemoTenant(wired.tenants, { adminEmail: DEMO_ACCOUNTS.adminEmail, memberEmail: DEMO_ACCOUNTS.memberEmail, password });
  } finally {
    await wired.app.close();
    await booted.database.close();
  }
}

const isThroughService = isDataDirHeldByService();
const demo = isThroughService ? await seedThroughService() : await seedDirectly();
process.stdout.write(
  [
    demo.isNew ? 'Created the demo agency with two locations.' : 'The demo agency already exists; nothing changed.',
    ...(isThroughService ? [`  (through the running service at ${serviceBase}, which holds the embedded database)`] : []),
    `  company:   ${demo.companyId}`,
    `  locations: ${demo.locationIds.join(', ')}`,
    '',
    `Open the dashboard: ${serviceBase}/dashboard (log in as ${demo.adminEmail} / ${password})`,
    'Or log in through the API (agency admin):',
    `  curl -s -X POST ${serviceBase}/api/auth/login -H 'content-type: application/json' \\`,
    `    -d '{"email":"${demo.adminEmail}","password":"${password}"}'`,
    `A location member can log in as ${demo.memberEmail} with the same password.`,
    '',
  ].join('\n'),
);
