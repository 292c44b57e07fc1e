import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../log/index.js';
import { createHttpServer, type HttpServer } from './create-http-server.js';
import { registerStaticSite } from './static-site.js';

let app: HttpServer;
let outer: string;
let root: string;
let missingRoot: string;

beforeAll(async () => {
  outer = mkdtempSync(join(tmpdir(), 'static-site-'));
  root = join(outer, 'site');
  missingRoot = join(outer, 'not-built');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(join(root, 'assets', 'app-123.js'), 'console.log("app")');
  writeFileSync(join(root, 'assets', 'app-123.js.gz'), gzipSync('console.log("app")'));
  writeFileSync(join(outer, 'secret.txt'), 'outside the site');
  app = await createHttpServer({ logger: createLogger({ level: 'silent' }), bodyLimitBytes: 1024, corsOrigins: [], version: 'test', authenticator: { authenticate: async () => undefined } });
  registerStaticSite(app, { prefix: '/dashboard', root, notBuiltHint: 'not built', isRootRedirect: true });
  registerStaticSite(app, { prefix: '/other', root: missingRoot, notBuiltHint: 'run the build' });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  rmSync(outer, { recursive: true, force: true });
});

describe('static site (the built dashboard under /dashboard)', () => {
  it('serves index.html with a strict content security policy, and falls back to it for client routes', async () => {
    const index = await app.inject({ method: 'GET', url: '/dashboard/' });
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(index.headers['content-security-policy']).toContain("script-src 'self'");
    expect(index.headers['x-frame-options']).toBe('DENY');
    const route = await app.inject({ method: 'GET', url: '/dashboard/dead-letters?event=12' });
    expect(route.statusCode).toBe(200);
    expect(route.body).toContain('<title>app</title>');
    expect((await app.inject({ method: 'GET', url: '/dashboard' })).headers.location).toBe('/dashboard/');
    expect((await app.inject({ method: 'GET', url: '/' })).headers.location).toBe('/dashboard/');
  });

  it('serves hashed assets for a year, gzipped when accepted, and answers 404 for a missing asset', async () => {
    const plain = await app.inject({ method: 'GET', url: '/dashboard/assets/app-123.js' });
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toContain('immutable');
    expect(plain.body).toBe('console.log("app")');
    const gzipped = await app.inject({ method: 'GET', url: '/dashboard/assets/app-123.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.rawPayload.length).toBeLessThan(60);
    const missing = await app.inject({ method: 'GET', url: '/dashboard/assets/app-999.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['content-type']).not.toContain('html');
  });

  it('never serves a file outside its folder', async () => {
    for (const url of ['/dashboard/../secret.txt', '/dashboard/%2e%2e/secret.txt', '/dashboard/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/dashboard/%00', '/dashboard/%E0%A4%A']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.body, url).not.toContain('outside the site');
      expect(response.statusCode, url).toBeLessThan(500);
    }
  });

  it('says how to build when nothing is built', async () => {
    const response = await app.inject({ method: 'GET', url: '/other/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toBe('run the build');
  });
});
