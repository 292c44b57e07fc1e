import { bootstrap, onShutdown } from './bootstrap.js';
import { wireApp } from './wire.js';

/** API server entry shared by `npm run api` and `npm start`. */
export async function startApi(processName: string) {
  const booted = await bootstrap(processName);
  const { config, logger, database } = booted;
  const wired = await wireApp(booted);
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
  onShutdown(logger, config.http.shutdownGraceMs, [() => wired.app.close(), () => database.close()]);
  return wired;
}
