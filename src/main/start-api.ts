import { bootstrap, onShutdown } from './bootstrap.js';
import { wireApp } from './wire.js';

/** API server entry shared by `npm run api` and `npm start` (which also runs the webhook workers in-process). */
export async function startApi(processName: string, options: { withWorkers?: boolean } = {}) {
  const booted = await bootstrap(processName);
  const { config, logger, database } = booted;
  const wired = await wireApp(booted);
  const workers = options.withWorkers ? wired.webhooks.startWorkers() : undefined;
  const address = await wired.app.listen({ host: config.http.host, port: config.http.port });
  const base = config.http.publicUrl ?? address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  const engine = database.engine === 'pglite' && config.database.engine === 'pglite' ? `PGlite (embedded, ${config.database.dataDir})` : 'PostgreSQL (DATABASE_URL)';
  process.stdout.write(
    [
      '',
      `Switchboard is running (database: ${engine})`,
      `  API:      ${base}/api`,
      `  API docs: ${base}/docs`,
      `  Health:   ${base}/api/status`,
      '',
    ].join('\n') + '\n',
  );
  // Stop accepting first, then let workers finish their current events, then close the database.
  onShutdown(logger, config.http.shutdownGraceMs, [() => wired.app.close(), async () => workers?.stop(), () => database.close()]);
  return wired;
}
