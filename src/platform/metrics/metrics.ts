import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app instance (tests build many apps in one process). */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpRequestSeconds: Histogram<'method' | 'route'>;
  outboundRequests: Counter<'service' | 'endpoint' | 'status'>;
  outboundRequestSeconds: Histogram<'service' | 'endpoint'>;
}

export function createMetrics(options: { collectProcessMetrics: boolean }): Metrics {
  const registry = new Registry();
  if (options.collectProcessMetrics) collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  return {
    registry,
    httpRequests: new Counter({ name: 'switchboard_http_requests_total', help: 'HTTP requests answered, by route template and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpRequestSeconds: new Histogram({
      name: 'switchboard_http_request_duration_seconds',
      help: 'Time to answer HTTP requests',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    outboundRequests: new Counter({ name: 'switchboard_outbound_requests_total', help: 'Calls to third parties (GHL…), by endpoint template and status', labelNames: ['service', 'endpoint', 'status'], registers: [registry] }),
    outboundRequestSeconds: new Histogram({
      name: 'switchboard_outbound_request_duration_seconds',
      help: 'Duration of calls to third parties',
      labelNames: ['service', 'endpoint'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
