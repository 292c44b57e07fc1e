import { bootstrap, dataRootOf, onShutdown } from './bootstrap.js';
import { GhlRuntimeConflictError, resolveGhlRuntime, type GhlRuntime } from './ghl-runtime.js';
import { startBackgroundWork, wireApp } from './wire.js';
import { Scheduler } from '../platform/scheduler/index.js';
import { systemClock } from '../platform/clock/clock.js';
import { capturedSourceOf, resolveNotificationsRuntime } from './notifications-runtime.js';

/**
 * API server entry shared by `npm run api` and `npm start` (which also runs the webhook workers and
 * the scheduler in-process).
 */
export async function startApi(processName: string, options: { withWorkers?: boolean; withScheduler?: boolean } = {}) {
  const booted = await bootstrap(processName);
  const { config, logger, database } = booted;
  const localBase = `http://127.0.0.1:${config.http.port}`;
  const publicBase = config.http.publicUrl ?? localBase;
  let ghlRuntime: GhlRuntime;
  try {
    ghlRuntime = await resolveGhlRuntime(config, config.ghl, logger, `${localBase}/api/webhooks/ghl`, dataRootOf(config));
  } catch (error) {
    if (error instanceof GhlRuntimeConflictError) {
      process.stderr.write(`Invalid configuration:\n  - ${error.message}\n`);
      await database.close();
      process.exit(2);
    }
    throw error;
  }
  // The sandbox signs webhooks with its own keys (an explicitly set key equal to them was checked
  // above); GHL's published keys stay the default otherwise.
  const withGhl = ghlRuntime.webhookPublicKeys
    ? { ...config, webhooks: { ...config.webhooks, ghlEd25519PublicKeyPem: ghlRuntime.webhookPublicKeys.ed25519Pem, ghlRsaPublicKeyPem: ghlRuntime.webhookPublicKeys.rsaPem } }
    : config;
  // Without notification providers configured (outside production) the provider fakes stand in for them.
  const notificationsRuntime = await resolveNotificationsRuntime(withGhl, logger);
  const effectiveConfig = notificationsRuntime.config;
  const wired = await wireApp({
    ...booted,
    config: effectiveConfig,
    collectProcessMetrics: true,
    ...(notificationsRuntime.fakes ? { capturedMessages: capturedSourceOf(notificationsRuntime.fakes) } : {}),
    ...(ghlRuntime.mode === 'unconfigured'
      ? {}
      : {
          ghl: {
            apiBaseUrl: ghlRuntime.apiBaseUrl,
            authorizeUrl: ghlRuntime.authorizeUrl,
            clientId: ghlRuntime.clientId,
            clientSecret: ghlRuntime.clientSecret,
            redirectUri: config.ghl.redirectUri ?? `${publicBase}/api/oauth/callback`,
          },
        }),
  });
  const background = options.withWorkers ? startBackgroundWork(wired, config) : undefined;
  const scheduler = options.withScheduler ? new Scheduler({ database, logger, clock: systemClock }) : undefined;
  scheduler?.start(wired.scheduledJobs);
  const address = await wired.app.listen({ host: config.http.host, port: config.http.port });
  const base = config.http.publicUrl ?? address.replace('0.0.0.0', 'localhost').replace('[::]', 'localhost');
  const engine = database.engine === 'pglite' && config.database.engine === 'pglite' ? `PGlite (embedded, ${config.database.dataDir}, ${config.database.thread === 'worker' ? 'on its own worker thread' : 'on the main thread'})` : 'PostgreSQL (DATABASE_URL)';
  const ghlLine =
    ghlRuntime.mode === 'sandbox'
      ? `  GHL:      sandbox at ${ghlRuntime.apiBaseUrl} (no GHL_CLIENT_ID set) — install: ${base}/api/oauth/install`
      : ghlRuntime.mode === 'ghl'
        ? `  GHL:      ${ghlRuntime.apiBaseUrl} — install: ${base}/api/oauth/install`
        : '  GHL:      not configured (set GHL_CLIENT_ID and GHL_CLIENT_SECRET)';
  const fakes = notificationsRuntime.fakes;
  const notifyLine = fakes
    ? `  Notify:   provider fakes (SMTP ${fakes.smtp.host}:${fakes.smtp.port}, SendGrid/Resend/Twilio ${fakes.httpBaseUrl}) — inbox: ${base}/api/notifications/sandbox/messages`
    : `  Notify:   ${effectiveConfig.notifications.emailProvider ?? 'no default email provider'}${effectiveConfig.notifications.twilio ? ' + Twilio' : ''}`;
  process.stdout.write(
    [
      '',
      `Switchboard is running (database: ${engine})`,
      `  API:      ${base}/api`,
      `  Dashboard: ${base}/dashboard`,
      `  API docs: ${base}/docs`,
      `  Health:   ${base}/api/status`,
      ghlLine,
      notifyLine,
      ...(config.http.host === '127.0.0.1' || config.http.host === 'localhost' || config.http.host === '::1'
        ? [`  Listening on ${config.http.host} only; set HOST=0.0.0.0 to accept connections from other machines`]
        : []),
      '',
    ].join('\n') + '\n',
  );
  // Stop accepting first, then let workers and jobs finish their current work, then close the database.
  onShutdown(logger, config.http.shutdownGraceMs, [
    { name: 'http server', run: () => wired.app.close() },
    { name: 'background work', run: async () => background?.stop() },
    { name: 'scheduler', run: async () => scheduler?.stop() },
    { name: 'ghl runtime', run: () => ghlRuntime.close() },
    { name: 'notifications runtime', run: () => notificationsRuntime.close() },
    { name: 'database', run: () => database.close() },
  ]);
  return wired;
}
