import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../../test/support/test-app.js';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp({ env: { METRICS_SCRAPE_TOKEN: 'scrape-token-0123456789' } });
});
afterAll(async () => app.close());

describe('GET /metrics', () => {
  it('counts requests by route template and status, behind the scrape token', async () => {
    await app.app.inject({ method: 'GET', url: '/api/locations/loc_missing' });
    await app.app.inject({ method: 'GET', url: '/api/health/live' });
    const denied = await app.app.inject({ method: 'GET', url: '/metrics' });
    expect(denied.statusCode).toBe(401);
    const scraped = await app.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-0123456789' } });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.headers['content-type']).toContain('text/plain');
    expect(scraped.body).toContain('switchboard_http_requests_total{method="GET",route="/api/locations/:locationId",status="401"} 1');
    expect(scraped.body).toContain('switchboard_http_requests_total{method="GET",route="/api/health/live",status="200"} 1');
    expect(scraped.body).toContain('switchboard_http_request_duration_seconds_bucket');
  });
});
