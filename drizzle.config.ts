import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  // Recursive: a module keeps a capability's tables in its folder (crm/sync/setup-sync.tables.ts).
  schema: ['./src/**/*.tables.ts'],
  out: './migrations',
  entities: { roles: { provider: '' } },
});
