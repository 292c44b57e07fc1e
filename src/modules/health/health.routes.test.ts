import { describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support/test-app.js';
import { testDatabaseEngine } from '../../../test/support/test-database.js';

describe('GET /api/status', () => {
  it('reports version, engine, reachability and migration version, then 503 once the database is gone', async () => {
    const app = await createTestApp();
    const ok = await app.app.inject({ method: 'GET', url: '/api/status' });
    expect(ok.statusCode).toBe(200);
    const body = ok.json();
    expect(body).toMatchObject({ status: 'ok', version: expect.any(String), database: { engine: testDatabaseEngine(), isReachable: true } });
    expect(body.migrations.applied).toBe(body.migrations.available);
    expect(body.migrations.latest).toMatch(/^\d{4}_/);
    expect(body.uptimeSeconds).toBeGreaterThanOrEqual(0);

    await app.database.close();
    const down = await app.app.inject({ method: 'GET', url: '/api/status' });
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({ status: 'unavailable', database: { isReachable: false } });
    const ready = await app.app.inject({ method: 'GET', url: '/api/health/ready' });
    expect(ready.statusCode).toBe(503);
    await app.app.close();
  });
});
