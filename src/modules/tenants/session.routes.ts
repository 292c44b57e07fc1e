import type { FastifyReply } from 'fastify';
import { decodeJwt } from 'jose';
import { z } from 'zod';
import { routeFailures, sendFailure, type HttpServer } from '../../platform/http/index.js';
import type { Failure } from '../../platform/result/index.js';
import { TENANTS_ERROR_STATUS } from './tenants.errors.js';
import { clearSessionCookie, csrfTokenOf, readSessionCookie, registerCsrfGuard, setSessionCookie, type CookieSettings } from './cookie-session.js';
import { getCurrentUser } from './list-users.js';
import { logIn } from './log-in.js';
import { registerAccount } from './register-account.js';
import { startDemoSession } from './start-demo-session.js';
import { endCurrentSession } from './user-sessions.js';
import type { TenantsDeps } from './tenants.deps.js';
import { loginBodySchema, passwordSchema, registerBodySchema, userViewSchema } from './tenants.schemas.js';

export interface SessionRoutesOptions extends CookieSettings {
  /** POST /api/auth/demo-session (one-click demo agency): development and test only, never production. */
  isDemoEnabled: boolean;
}

const browserSessionSchema = z
  .object({ user: userViewSchema, csrfToken: z.string().describe('Send as x-csrf-token on POST/PATCH/PUT/DELETE'), expiresAt: z.string() })
  .meta({ id: 'BrowserSession' });

const sessionStateSchema = z
  .object({
    isAuthenticated: z.boolean(),
    user: userViewSchema.nullable(),
    csrfToken: z.string().nullable(),
    expiresAt: z.string().nullable(),
    isDemoAvailable: z.boolean().describe('POST /api/auth/demo-session exists (development only)'),
  })
  .meta({ id: 'BrowserSessionState' });

const demoSessionSchema = browserSessionSchema
  .extend({
    demo: z.object({ isNew: z.boolean(), companyId: z.string(), locationIds: z.array(z.string()), adminEmail: z.string(), memberEmail: z.string() }),
  })
  .meta({ id: 'DemoSession' });

const tags = ['auth'];
const loginFailures = routeFailures(TENANTS_ERROR_STATUS, ['invalid_credentials', 'too_many_attempts']);
const registerFailures = routeFailures(TENANTS_ERROR_STATUS, ['email_taken', 'invite_invalid', 'invite_email_mismatch', 'password_matches_email', 'password_too_common', 'too_many_attempts']);
const demoFailures = routeFailures(TENANTS_ERROR_STATUS, ['demo_unavailable']);

/** Throttled answers tell the caller when to try again. */
function setRetryAfter(reply: FastifyReply, failure: Failure<string>): void {
  if (failure.code === 'too_many_attempts') reply.header('retry-after', String((failure.details as { retryAfterSeconds: number }).retryAfterSeconds));
}

/**
 * Cookie sessions for browsers (the dashboard): log in, sign up, who am I, log out, and the one-click
 * demo agency in development. The token never appears in a body; the CSRF token does.
 */
export function registerSessionRoutes(app: HttpServer, deps: TenantsDeps, options: SessionRoutesOptions): void {
  registerCsrfGuard(app);

  app.post(
    '/api/auth/session',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Browser login: sets the httpOnly session cookie and answers the user and the CSRF token (throttled like /api/auth/login)',
        security: [],
        body: loginBodySchema,
        response: { 200: browserSessionSchema, ...loginFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await logIn(deps, { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] });
      if (result.ok) {
        setSessionCookie(request, reply, options, result.value);
        return reply.send({ user: result.value.user, csrfToken: csrfTokenOf(result.value.token), expiresAt: result.value.expiresAt.toISOString() });
      }
      setRetryAfter(reply, result);
      return sendFailure(reply, loginFailures, result);
    },
  );

  app.post(
    '/api/auth/session/register',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Browser sign-up: create an agency with its admin (or join with an invite code) and start a cookie session',
        security: [],
        body: registerBodySchema,
        response: { 201: browserSessionSchema, ...registerFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await registerAccount(deps, { ...request.body, ip: request.ip, userAgent: request.headers['user-agent'] });
      if (result.ok) {
        setSessionCookie(request, reply, options, result.value);
        return reply.status(201).send({ user: result.value.user, csrfToken: csrfTokenOf(result.value.token), expiresAt: result.value.expiresAt.toISOString() });
      }
      setRetryAfter(reply, result);
      return sendFailure(reply, registerFailures, result);
    },
  );

  app.get(
    '/api/auth/session',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'The browser session of this cookie: the user and the CSRF token, or isAuthenticated false (expired, logged out, none)',
        security: [],
        response: { 200: sessionStateSchema },
      },
    },
    async (request, reply) => {
      const token = readSessionCookie(request);
      const principal = request.principal;
      const user = token && principal?.userId ? await getCurrentUser(deps, principal) : undefined;
      reply.header('cache-control', 'no-store');
      if (!token || !user?.ok) return reply.send({ isAuthenticated: false, user: null, csrfToken: null, expiresAt: null, isDemoAvailable: options.isDemoEnabled });
      const expiresAtSeconds = decodeJwt(token).exp;
      return reply.send({
        isAuthenticated: true,
        user: user.value,
        csrfToken: csrfTokenOf(token),
        expiresAt: expiresAtSeconds === undefined ? null : new Date(expiresAtSeconds * 1000).toISOString(),
        isDemoAvailable: options.isDemoEnabled,
      });
    },
  );

  app.delete(
    '/api/auth/session',
    {
      config: { isPublic: true },
      schema: { tags, summary: 'Browser logout: ends the cookie\'s session (when the request sends its CSRF token) and clears the cookie', security: [], response: { 204: z.null() } },
    },
    async (request, reply) => {
      // Only the cookie's own session (a bearer token logs out with POST /api/auth/logout). Without the
      // CSRF token the guard left no principal: the cookie is cleared but its session stays.
      if (readSessionCookie(request) && request.principal?.sessionId) await endCurrentSession(deps, request.principal);
      clearSessionCookie(request, reply, options);
      return reply.status(204).send(null);
    },
  );

  if (!options.isDemoEnabled) return;
  app.post(
    '/api/auth/demo-session',
    {
      config: { isPublic: true },
      schema: {
        tags,
        summary: 'Development only: create the demo agency if needed (as npm run seed) and start a cookie session as its admin',
        security: [],
        body: z.object({ password: passwordSchema.optional().describe('Used only when the demo accounts are created now') }).strict(),
        response: { 200: demoSessionSchema, ...demoFailures.responses },
      },
    },
    async (request, reply) => {
      const result = await startDemoSession(deps, { password: request.body.password, origin: { ip: request.ip, userAgent: request.headers['user-agent'] } });
      if (!result.ok) return sendFailure(reply, demoFailures, result);
      setSessionCookie(request, reply, options, result.value);
      const { demo } = result.value;
      return reply.send({
        user: result.value.user,
        csrfToken: csrfTokenOf(result.value.token),
        expiresAt: result.value.expiresAt.toISOString(),
        demo: { isNew: demo.isNew, companyId: demo.companyId, locationIds: demo.locationIds, adminEmail: demo.adminEmail, memberEmail: demo.memberEmail },
      });
    },
  );
}
