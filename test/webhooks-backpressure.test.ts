import { describe, expect, it } from 'vitest';
import { createTestApp } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { createTestWebhookKeys, ghlEvent, signedRequest } from './webhooks-kit.js';

const keys = createTestWebhookKeys();

describe('webhook ingest under overload and database trouble', () => {
  it('answers 429 with Retry-After once the inbox backlog passes its limit', async () => {
    const app = await createTestApp({ env: { ...keys.env, WEBHOOK_BACKLOG_LIMIT: '3', WEBHOOK_RETRY_AFTER_SECONDS: '42' } });
    try {
      const send = async () => {
        const request = signedRequest(keys, ghlEvent('ContactCreate', { id: `c_${Math.random()}` }));
        return app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', payload: request.body, headers: request.headers });
      };
      // No workers run here, so the backlog only grows; the gauge refreshes in the background.
      const refused = await waitFor(async () => {
        const response = await send();
        return response.statusCode === 429 ? response : undefined;
      }, 10_000, 'a 429');
      expect(refused.headers['retry-after']).toBe('42');
      expect(refused.json()).toMatchObject({ error: { code: 'webhook_overloaded' } });
    } finally {
      await app.close();
    }
  });

  it('answers 429, never 5xx, when the database is unreachable', async () => {
    const app = await createTestApp({ env: { ...keys.env, WEBHOOK_INGEST_TIMEOUT_MS: '2000' } });
    await app.database.close();
    try {
      const request = signedRequest(keys, ghlEvent('ContactCreate', { id: 'c_down' }));
      const response = await app.app.inject({ method: 'POST', url: '/api/webhooks/ghl', payload: request.body, headers: request.headers });
      expect(response.statusCode).toBe(429);
      expect(response.headers['retry-after']).toBeDefined();
      expect(response.json()).toMatchObject({ error: { code: 'webhook_store_unavailable' } });
    } finally {
      await app.app.close();
    }
  });
});
