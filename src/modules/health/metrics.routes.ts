import { z } from 'zod';
import { isSameSecret } from '../../platform/crypto/index.js';
import { PLATFORM_ERROR_STATUS, routeFailures, sendFailure, type HttpServer } from '../../platform/http/index.js';
import type { Metrics } from '../../platform/metrics/index.js';
import { fail } from '../../platform/result/index.js';

const scrapeFailures = routeFailures(PLATFORM_ERROR_STATUS, ['unauthenticated']);

/**
 * Prometheus scrape endpoint. With a token configured, scrapers send `Authorization: Bearer <token>`;
 * without one it is open (bind it to a private network in production).
 */
export function registerMetricsRoutes(app: HttpServer, deps: { metrics: Metrics; scrapeToken: string | undefined }): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return;
    deps.metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    deps.metrics.httpRequestSeconds.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  app.get(
    '/metrics',
    { schema: { tags: ['health'], summary: 'Prometheus metrics', security: [], response: { 200: z.string(), ...scrapeFailures.responses } } },
    async (request, reply) => {
      if (deps.scrapeToken) {
        const header = request.headers.authorization ?? '';
        if (!isSameSecret(header, `Bearer ${deps.scrapeToken}`)) return sendFailure(reply, scrapeFailures, fail('unauthenticated', 'A metrics scrape token is required'));
      }
      return reply.header('content-type', deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
    },
  );
}
