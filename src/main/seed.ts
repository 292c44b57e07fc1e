import { bootstrap } from './bootstrap.js';
import { wireApp } from './wire.js';
import { seedDemoTenant } from '../modules/tenants/index.js';

const booted = await bootstrap('seed');
const wired = await wireApp(booted);
const password = process.env.SEED_PASSWORD ?? 'switchboard-demo';
try {
  const demo = await seedDemoTenant(wired.tenants, { adminEmail: 'admin@demo.switchboard.local', memberEmail: 'member@demo.switchboard.local', password });
  process.stdout.write(
    [
      demo.isNew ? 'Created the demo agency with two locations.' : 'The demo agency already exists; nothing changed.',
      `  company:   ${demo.companyId}`,
      `  locations: ${demo.locationIds.join(', ')}`,
      '',
      'Log in (agency admin):',
      `  curl -s -X POST http://localhost:${booted.config.http.port}/api/auth/login -H 'content-type: application/json' \\`,
      `    -d '{"email":"${demo.adminEmail}","password":"${password}"}'`,
      `A location member can log in as ${demo.memberEmail} with the same password.`,
      '',
    ].join('\n'),
  );
} finally {
  await wired.app.close();
  await booted.database.close();
}
