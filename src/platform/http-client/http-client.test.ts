import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient, HttpCallRefusedError, HttpTimeoutError } from './http-client.js';
import { RateGovernor } from './rate-governor.js';

let server: Server;
let baseUrl: string;
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createServer((request, response) => {
    const path = request.url ?? '/';
    const count = (hits.get(path) ?? 0) + 1;
    hits.set(path, count);
    if (path === '/flaky' && count <= 2) return void response.writeHead(503).end('down');
    if (path === '/bad') return void response.writeHead(422, { 'content-type': 'application/json' }).end('{"message":["name is required"]}');
    if (path === '/limited' && count === 1) return void response.writeHead(429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-interval-milliseconds': '150' }).end();
    if (path === '/slow') return void setTimeout(() => response.writeHead(200).end('late'), 500);
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const retry = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 20, maxRateLimitWaits: 2 };

describe('http client', () => {
  it('retries 5xx with backoff until it succeeds, and counts calls by endpoint and status', async () => {
    const client = createHttpClient({ defaultTimeoutMs: 2000, retry });
    const response = await client.send({ method: 'GET', url: `${baseUrl}/flaky`, endpoint: 'GET /flaky' });
    expect(response.status).toBe(200);
    expect(hits.get('/flaky')).toBe(3);
    expect(client.callCounts().get('GET /flaky 503')).toBe(2);
    expect(client.callCounts().get('GET /flaky 200')).toBe(1);
  });

  it('never retries other 4xx', async () => {
    const client = createHttpClient({ defaultTimeoutMs: 2000, retry });
    const response = await client.send({ method: 'POST', url: `${baseUrl}/bad`, endpoint: 'POST /bad', body: '{}' });
    expect(response.status).toBe(422);
    expect(hits.get('/bad')).toBe(1);
  });

  it('waits out a 429 through the governor and then succeeds', async () => {
    const client = createHttpClient({
      defaultTimeoutMs: 2000,
      retry,
      rateBudget: { maxPerWindow: 100, windowMs: 10_000, maxPerDay: 1000 },
      readRateHeaders: (headers) => ({ remainingInWindow: Number(headers.get('x-ratelimit-remaining') ?? 'NaN') || undefined, windowMs: Number(headers.get('x-ratelimit-interval-milliseconds') ?? '0') || undefined }),
    });
    const startedAt = Date.now();
    const response = await client.send({ method: 'GET', url: `${baseUrl}/limited`, endpoint: 'GET /limited', rateKey: 'loc1' });
    expect(response.status).toBe(200);
    expect(hits.get('/limited')).toBe(2);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);
  });

  it('sends nothing while its guard refuses, and sends once the guard allows', async () => {
    let refusal: string | undefined = 'a database transaction is open';
    const client = createHttpClient({ defaultTimeoutMs: 2000, retry, guard: () => refusal });
    await expect(client.send({ method: 'GET', url: `${baseUrl}/guarded`, endpoint: 'GET /guarded' })).rejects.toBeInstanceOf(HttpCallRefusedError);
    expect(hits.get('/guarded')).toBeUndefined();
    refusal = undefined;
    expect((await client.send({ method: 'GET', url: `${baseUrl}/guarded`, endpoint: 'GET /guarded' })).status).toBe(200);
    expect(hits.get('/guarded')).toBe(1);
  });

  it('times out slow calls', async () => {
    const client = createHttpClient({ defaultTimeoutMs: 50, retry: { ...retry, maxRetries: 0 } });
    await expect(client.send({ method: 'GET', url: `${baseUrl}/slow`, endpoint: 'GET /slow' })).rejects.toBeInstanceOf(HttpTimeoutError);
  });
});

describe('rate governor', () => {
  it('never lets more than the budget through in any window', async () => {
    const governor = new RateGovernor({ maxPerWindow: 5, windowMs: 100, maxPerDay: 1000 });
    const startedAt = performance.now();
    const inWindowAtGrant: number[] = [];
    await Promise.all(Array.from({ length: 15 }, () => governor.acquire('k').then(() => inWindowAtGrant.push(governor.sentInWindow('k')))));
    expect(Math.max(...inWindowAtGrant)).toBeLessThanOrEqual(5);
    // 15 grants at 5 per 100 ms need at least two full windows.
    expect(performance.now() - startedAt).toBeGreaterThanOrEqual(195);
    expect(governor.sentInWindow('other')).toBe(0);
  });

  it('keeps keys independent and enforces the daily budget', async () => {
    const governor = new RateGovernor({ maxPerWindow: 100, windowMs: 1000, maxPerDay: 3 });
    await Promise.all([governor.acquire('a'), governor.acquire('a'), governor.acquire('a'), governor.acquire('b')]);
    await expect(governor.acquire('a')).rejects.toThrow(/daily request budget/);
    await expect(governor.acquire('b')).resolves.toBeUndefined();
  });
});
