import { z } from 'zod';
import type { Database } from '../../platform/db/index.js';
import { readMigrationStatus } from '../../platform/db/index.js';
import type { HttpServer } from '../../platform/http/index.js';

export interface HealthDeps {
  database: Database;
  version: string;
  migrationsFolder: string;
  startedAt: Date;
  now: () => Date;
}

const statusSchema = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    version: z.string(),
    uptimeSeconds: z.number(),
    database: z.object({ engine: z.enum(['pglite', 'postgres']), isReachable: z.boolean(), latencyMs: z.number().nullable(), error: z.string().optional() }),
    migrations: z.object({ applied: z.number().int(), available: z.number().int(), latest: z.string().nullable() }).nullable(),
  })
  .meta({ id: 'ServiceStatus' });

export function registerHealthRoutes(app: HttpServer, deps: HealthDeps): void {
  app.get(
    '/api/status',
    { config: { isPublic: true }, schema: { tags: ['health'], summary: 'Version, uptime, database reachability and migration version', security: [], response: { 200: statusSchema, 503: statusSchema } } },
    async (_request, reply) => {
      const startedAt = performance.now();
      let migrations: z.infer<typeof statusSchema>['migrations'] = null;
      let error: string | undefined;
      try {
        await deps.database.ping();
        const status = await readMigrationStatus(deps.database.db, deps.migrationsFolder);
        migrations = { applied: status.applied, available: status.available, latest: status.latest ?? null };
      } catch (cause) {
        // The message names the failure class only; connection strings never leave the process.
        error = cause instanceof Error && /did not answer/.test(cause.message) ? 'timeout' : 'unreachable';
      }
      const isReachable = error === undefined;
      const body = {
        status: isReachable ? ('ok' as const) : ('unavailable' as const),
        version: deps.version,
        uptimeSeconds: Math.round((deps.now().getTime() - deps.startedAt.getTime()) / 100) / 10,
        database: { engine: deps.database.engine, isReachable, latencyMs: isReachable ? Math.round((performance.now() - startedAt) * 10) / 10 : null, ...(error ? { error } : {}) },
        migrations,
      };
      return reply.status(isReachable ? 200 : 503).send(body);
    },
  );

  app.get(
    '/api/health/live',
    { config: { isPublic: true }, schema: { tags: ['health'], summary: 'Liveness: the process answers', security: [], response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/api/health/ready',
    { config: { isPublic: true }, schema: { tags: ['health'], summary: 'Readiness: the database answers', security: [], response: { 200: z.object({ status: z.literal('ok') }), 503: z.object({ status: z.literal('unavailable') }) } } },
    async (_request, reply) => {
      try {
        await deps.database.ping();
        return reply.send({ status: 'ok' as const });
      } catch {
        return reply.status(503).send({ status: 'unavailable' as const });
      }
    },
  );
}
