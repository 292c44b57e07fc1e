import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpServer } from './create-http-server.js';

export interface StaticSiteOptions {
  /** URL prefix, e.g. `/dashboard`. */
  prefix: string;
  /** Folder of the built site (index.html, assets/…). */
  root: string;
  /** What to tell a visitor when the folder holds no build. */
  notBuiltHint: string;
  /** Also redirect `/` to the prefix. */
  isRootRedirect?: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The site calls only its own origin; no inline scripts, no framing. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

/**
 * Serves a built single-page app under a prefix: files by path (hashed assets cached for a year,
 * gzip-precompressed copies when the client accepts them), any other path gets index.html (client
 * routing). Never serves outside `root`. Outside /api, so the auth hook does not run.
 */
export function registerStaticSite(app: HttpServer, options: StaticSiteOptions): void {
  const root = normalize(options.root);
  const prefix = options.prefix.replace(/\/+$/, '');

  const resolveFile = (relative: string): string | undefined => {
    let decoded: string;
    try {
      decoded = decodeURIComponent(relative);
    } catch {
      return undefined;
    }
    if (decoded.includes('\u0000')) return undefined;
    const path = normalize(join(root, decoded));
    if (path !== root && !path.startsWith(root + sep)) return undefined;
    return existsSync(path) && statSync(path).isFile() ? path : undefined;
  };

  const send = (request: FastifyRequest, reply: FastifyReply, path: string, isImmutable: boolean) => {
    const acceptsGzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    const gzipped = acceptsGzip && existsSync(`${path}.gz`) ? `${path}.gz` : undefined;
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    reply.header('content-type', CONTENT_TYPES[extname(path)] ?? 'application/octet-stream');
    reply.header('cache-control', isImmutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    reply.header('vary', 'accept-encoding');
    if (gzipped) reply.header('content-encoding', 'gzip');
    return reply.send(readFileSync(gzipped ?? path));
  };

  const handle = async (request: FastifyRequest, reply: FastifyReply) => {
    const index = join(root, 'index.html');
    if (!existsSync(index)) {
      return reply.status(503).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(options.notBuiltHint);
    }
    const relative = (request.url.split('?')[0] ?? '').slice(prefix.length).replace(/^\/+/, '');
    const file = relative.length > 0 ? resolveFile(relative) : undefined;
    if (file) return send(request, reply, file, relative.startsWith('assets/'));
    // A missing asset is a 404 (a stale cached page asking for an old bundle must not get HTML back).
    if (relative.startsWith('assets/') || extname(relative) !== '') return reply.status(404).header('content-type', 'text/plain; charset=utf-8').send('Not found');
    return send(request, reply, index, false);
  };

  const route = { schema: { hide: true } };
  app.get(prefix, route, (request, reply) => reply.redirect(`${prefix}/`, 302));
  app.get(`${prefix}/`, route, handle);
  app.get(`${prefix}/*`, route, handle);
  if (options.isRootRedirect) app.get('/', route, (request, reply) => reply.redirect(`${prefix}/`, 302));
}
