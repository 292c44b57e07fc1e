import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../../platform/clock/clock.js';
import type { Database } from '../../../platform/db/index.js';
import { routeFailures, sendError, sendFailure, type HttpServer, type Principal } from '../../../platform/http/index.js';
import type { Logger } from '../../../platform/log/index.js';
import { fail } from '../../../platform/result/index.js';
import { CRM_ERROR_STATUS } from '../crm.errors.js';
import { findGhlLocationIdForSync, findSyncProgressVersion, getSyncProgress, type SyncProgressView } from './get-sync-progress.js';
import type { SetupSync } from './setup-sync.jobs.js';
import type { SyncProgressHub } from './sync-progress-hub.js';
import { syncLocationParams, syncProgressSchema, syncRequestedSchema } from './sync.schemas.js';

export interface SyncRoutesDeps {
  database: Database;
  clock: Clock;
  logger: Logger;
  /** The hub of registerSetupSync (same process: instant updates); other processes are seen by polling. */
  hub: SyncProgressHub;
  /** Enables POST …/resync; omit in processes that do not enqueue. */
  setupSync?: Pick<SetupSync, 'requestSync'>;
  /** How often a stream probes the database for changes made by other processes. */
  pollIntervalMs?: number;
  /** A stream with no run finishing ends after this long (clients reconnect). */
  maxStreamSeconds?: number;
}

const progressFailures = routeFailures(CRM_ERROR_STATUS, ['not_found']);
const resyncFailures = routeFailures(CRM_ERROR_STATUS, ['not_found', 'forbidden', 'not_installed', 'not_enabled']);

function wantsEventStream(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

/**
 * GET /api/sync/progress/:locationId answers JSON, or Server-Sent Events when the client accepts
 * text/event-stream: the current state at once, then on every change, ending after the newest run
 * finished. POST /api/sync/progress/:locationId/resync starts a manual re-sync.
 */
export function registerSyncRoutes(app: HttpServer, deps: SyncRoutesDeps): void {
  app.get(
    '/api/sync/progress/:locationId',
    {
      config: { isEventStream: true },
      schema: {
        tags: ['ghl'],
        summary: "Setup sync progress of a location (runs, steps, counts, durations, grade); with Accept: text/event-stream a live stream of the same",
        params: syncLocationParams,
        response: { 200: syncProgressSchema, ...progressFailures.responses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      const result = await getSyncProgress(deps, principal, request.params.locationId, deps.clock.now());
      if (!result.ok) return sendFailure(reply, progressFailures, result);
      if (!wantsEventStream(request)) return reply.send(result.value);
      return streamProgress(deps, request, reply, principal, result.value);
    },
  );

  app.post(
    '/api/sync/progress/:locationId/resync',
    {
      schema: {
        tags: ['ghl'],
        summary: 'Start a setup sync of the location again (location admins); an unfinished run is returned instead of a second one',
        params: syncLocationParams,
        response: { 202: syncRequestedSchema, ...resyncFailures.responses },
      },
    },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
      if (!deps.setupSync) return sendFailure(reply, resyncFailures, fail('not_enabled', 'This process does not run setup syncs'));
      const target = await findGhlLocationIdForSync(deps, principal, request.params.locationId);
      if (!target.ok) return sendFailure(reply, resyncFailures, target);
      const runId = await deps.setupSync.requestSync(target.value);
      return reply.status(202).send({ runId });
    },
  );
}

async function streamProgress(deps: SyncRoutesDeps, request: FastifyRequest, reply: FastifyReply, principal: Principal, first: SyncProgressView): Promise<void> {
  const locationId = first.locationId;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  let isClosed = false;
  let sequence = 0;
  const send = (event: string, data: unknown) => {
    if (isClosed) return;
    sequence += 1;
    raw.write(`id: ${sequence}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const isOver = (view: SyncProgressView) => view.current?.isFinished === true;
  let lastVersion = await findSyncProgressVersion(deps, principal, locationId).catch(() => '');
  send('progress', first);

  await new Promise<void>((resolve) => {
    let wake: (() => void) | undefined;
    const close = () => {
      if (isClosed) return;
      isClosed = true;
      unsubscribe();
      clearTimeout(deadline);
      wake?.();
      raw.end();
      resolve();
    };
    const unsubscribe = deps.hub.subscribe(locationId, () => wake?.());
    const deadline = setTimeout(close, (deps.maxStreamSeconds ?? 600) * 1000);
    request.raw.on('close', close);
    if (isOver(first)) {
      send('end', { status: first.current?.status ?? null, grade: first.current?.grade ?? null });
      close();
      return;
    }
    void (async () => {
      while (!isClosed) {
        await new Promise<void>((next) => {
          const timer = setTimeout(() => next(), deps.pollIntervalMs ?? 1000);
          wake = () => {
            clearTimeout(timer);
            wake = undefined;
            next();
          };
        });
        if (isClosed) break;
        try {
          const version = await findSyncProgressVersion(deps, principal, locationId);
          if (version === lastVersion) {
            raw.write(': keep-alive\n\n');
            continue;
          }
          lastVersion = version;
          const result = await getSyncProgress(deps, principal, locationId, deps.clock.now());
          if (!result.ok) break;
          send('progress', result.value);
          if (isOver(result.value)) {
            send('end', { status: result.value.current?.status ?? null, grade: result.value.current?.grade ?? null });
            break;
          }
        } catch (error) {
          deps.logger.warn({ err: error, locationId }, 'sync progress stream probe failed');
        }
      }
      close();
    })();
  });
}
