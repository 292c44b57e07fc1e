import { principalOf, routeFailures, sendFailure, streamSnapshots, wantsEventStream, type HttpServer } from '../../platform/http/index.js';
import { WEBHOOKS_ERROR_STATUS } from './webhooks.errors.js';
import type { Logger } from '../../platform/log/index.js';
import { getWebhookOverview, getWebhookSeries, type WebhookSeriesDeps } from './get-webhook-series.js';
import { seriesQuerySchema, webhookOverviewSchema, webhookSeriesSchema } from './webhook-rollups.schemas.js';

export interface WebhookRollupRoutesDeps extends WebhookSeriesDeps {
  logger: Logger;
  /** How often an overview stream reads again (it sends only changes). */
  streamIntervalMs?: number;
  /** An overview stream ends after this long; clients reconnect. */
  maxStreamSeconds?: number;
}

const tags = ['webhooks'];
const adminOnly = routeFailures(WEBHOOKS_ERROR_STATUS, ['forbidden']);

/** Dashboard reads of the pipeline from webhook_rollups: the live overview (JSON or SSE) and the hour/day time series. */
export function registerWebhookRollupRoutes(app: HttpServer, deps: WebhookRollupRoutesDeps): void {
  app.get(
    '/api/webhooks/overview',
    {
      config: { isEventStream: true },
      schema: {
        tags,
        summary: 'Per queue: backlog now, rates over 5 minutes, latency, SLA grade and error rate over the hour (from rollups); with Accept: text/event-stream a live stream of the same',
        response: { 200: webhookOverviewSchema, ...adminOnly.responses },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const result = await getWebhookOverview(deps, principal);
      if (!result.ok) return sendFailure(reply, adminOnly, result);
      if (!wantsEventStream(request)) return reply.send(result.value);
      return streamSnapshots(request, reply, {
        event: 'overview',
        initial: result.value,
        intervalMs: deps.streamIntervalMs ?? 5000,
        maxSeconds: deps.maxStreamSeconds ?? 600,
        ignoreKeys: ['checkedAt'],
        read: async () => {
          const next = await getWebhookOverview(deps, principal);
          return next.ok ? next.value : undefined;
        },
        onError: (error) => deps.logger.warn({ err: error }, 'webhook overview stream read failed'),
      });
    },
  );

  app.get(
    '/api/webhooks/series',
    {
      schema: {
        tags,
        summary: 'Time series of the last hour (1-minute points) or day (10-minute points): received and processed per second, error rate, receipt-to-done p50/p95/p99, SLA compliance and grade; from per-minute rollups',
        querystring: seriesQuerySchema,
        response: { 200: webhookSeriesSchema, ...adminOnly.responses },
      },
    },
    async (request, reply) => {
      const result = await getWebhookSeries(deps, principalOf(request), request.query);
      if (result.ok) return reply.send(result.value);
      return sendFailure(reply, adminOnly, result);
    },
  );
}
