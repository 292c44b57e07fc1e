import type { FastifyReply, FastifyRequest } from 'fastify';
import { isSameSecret, sha256Hex } from '../../platform/crypto/index.js';
import { sendError, type HttpServer } from '../../platform/http/index.js';
import type { SessionClaims, SessionTokens } from './session-tokens.js';

/**
 * Browser sessions (the dashboard): the session JWT lives in an httpOnly, SameSite=Strict cookie
 * that scripts cannot read (Secure when the request came over HTTPS), instead of a token in
 * localStorage. State-changing requests authenticated by this cookie must also send the CSRF token
 * in `x-csrf-token`; bearer tokens and API keys are unaffected.
 */
export const SESSION_COOKIE = 'sb_session';
export const CSRF_HEADER = 'x-csrf-token';
/** The cookie goes only to the API, not with every static file of the dashboard. */
const COOKIE_PATH = '/api';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF token of a session: a hash of the session token, so it is bound to that session, needs no
 * server state, and only someone who can read the httpOnly cookie (or was handed the token by our own
 * API) knows it. A cross-site page can make the browser send the cookie but can read neither.
 */
export function csrfTokenOf(sessionToken: string): string {
  return sha256Hex(`switchboard-csrf:${sessionToken}`);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator === -1 || part.slice(0, separator).trim() !== name) continue;
    const value = part.slice(separator + 1).trim();
    return value.length > 0 && value.length <= 4096 ? value : undefined;
  }
  return undefined;
}

function hasHeaderCredential(request: FastifyRequest): boolean {
  return typeof request.headers.authorization === 'string' || typeof request.headers['x-api-key'] === 'string';
}

/** The session token of the cookie, unless the request carries its own credential header (which wins). */
export function readSessionCookie(request: FastifyRequest): string | undefined {
  if (hasHeaderCredential(request)) return undefined;
  return readCookie(request.headers.cookie, SESSION_COOKIE);
}

/** The claims of a validly signed session cookie (any method; the CSRF guard below checks unsafe ones). */
export async function verifySessionCookie(sessions: SessionTokens, request: FastifyRequest): Promise<SessionClaims | undefined> {
  const token = readSessionCookie(request);
  return token ? sessions.verify(token) : undefined;
}

function isCsrfValid(request: FastifyRequest, sessionToken: string): boolean {
  const sent = request.headers[CSRF_HEADER];
  return typeof sent === 'string' && isSameSecret(sent, csrfTokenOf(sessionToken));
}

export interface CookieSettings {
  /** PUBLIC_URL: an https one makes every cookie Secure. */
  publicUrl?: string | undefined;
}

function isHttps(request: FastifyRequest, settings: CookieSettings): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  return request.protocol === 'https' || forwarded === 'https' || (settings.publicUrl?.startsWith('https:') ?? false);
}

export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, settings: CookieSettings, session: { token: string; expiresAt: Date }): void {
  const maxAgeSeconds = Math.max(0, Math.ceil((session.expiresAt.getTime() - Date.now()) / 1000));
  const attributes = [`${SESSION_COOKIE}=${session.token}`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', `Max-Age=${maxAgeSeconds}`];
  if (isHttps(request, settings)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

export function clearSessionCookie(request: FastifyRequest, reply: FastifyReply, settings: CookieSettings): void {
  const attributes = [`${SESSION_COOKIE}=`, `Path=${COOKIE_PATH}`, 'HttpOnly', 'SameSite=Strict', 'Max-Age=0'];
  if (isHttps(request, settings)) attributes.push('Secure');
  reply.header('set-cookie', attributes.join('; '));
}

/**
 * Runs after authentication: a state-changing request authenticated by the session cookie without
 * the matching CSRF token is refused (403 csrf_token_invalid); on a public route it continues as
 * anonymous instead. Requests with a bearer token or API key never carry the cookie's authority.
 */
export function registerCsrfGuard(app: HttpServer): void {
  app.addHook('onRequest', async (request, reply) => {
    if (SAFE_METHODS.has(request.method) || !request.principal) return undefined;
    const sessionToken = readSessionCookie(request);
    if (!sessionToken || isCsrfValid(request, sessionToken)) return undefined;
    if (request.routeOptions.config.isPublic) {
      request.principal = undefined;
      return undefined;
    }
    return sendError(reply, 403, 'csrf_token_invalid', `A request authenticated by the session cookie must send its CSRF token in ${CSRF_HEADER}`);
  });
}
