import type { FastifyReply } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createLogger } from '../log/index.js';
import { fail, type Failure } from '../result/index.js';
import { createHttpServer, type HttpServer } from './create-http-server.js';
import { routeFailures, sendFailure, type ErrorStatusTable, type HttpErrorStatus } from './failure-responses.js';
import type { Principal } from './principal.js';

type ThingsErrorCode = 'thing_gone' | 'thing_clash' | 'thing_busy';
const THINGS_ERROR_STATUS = { thing_gone: 404, thing_clash: 409, thing_busy: 429 } as const satisfies Record<ThingsErrorCode, HttpErrorStatus>;
const thingFailures = routeFailures(THINGS_ERROR_STATUS, ['thing_gone', 'thing_clash']);

const caller: Principal = { kind: 'user', userId: 'u1', apiKeyId: undefined, sessionId: 'ses_1', companyId: 'c1', role: 'agency_admin', locations: '*' };

let app: HttpServer;
beforeAll(async () => {
  app = await createHttpServer({
    logger: createLogger({ level: 'silent' }),
    bodyLimitBytes: 1024,
    corsOrigins: [],
    version: 'test',
    authenticator: { authenticate: async (request) => (request.headers['x-caller'] === 'yes' ? caller : undefined) },
  });
  app.post(
    '/api/things/:thingId',
    { schema: { params: z.object({ thingId: z.string().max(20) }), body: z.object({ count: z.number() }), response: { 200: z.object({ count: z.number() }), ...thingFailures.responses } } },
    async (request, reply) => {
      const { thingId } = request.params;
      if (thingId === 'gone') return sendFailure(reply, thingFailures, fail('thing_gone', 'The thing is gone'));
      if (thingId === 'clash') return sendFailure(reply, thingFailures, fail('thing_clash', 'The thing clashes', { with: 'other' }));
      return reply.send({ count: request.body.count });
    },
  );
  app.get('/outside', { schema: { response: { 200: z.object({ isOk: z.boolean() }) } } }, async () => ({ isOk: true }));
  await app.ready();
});
afterAll(async () => app.close());

const post = (thingId: string, payload: unknown, headers: Record<string, string> = { 'x-caller': 'yes' }) =>
  app.inject({ method: 'POST', url: `/api/things/${thingId}`, headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

describe('route failures', () => {
  it('answers a failure with the status from the table, its code, message and details in the one envelope', async () => {
    const gone = await post('gone', { count: 1 });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: { code: 'thing_gone', message: 'The thing is gone', requestId: gone.headers['x-request-id'] } });
    const clash = await post('clash', { count: 1 });
    expect(clash.statusCode).toBe(409);
    expect(clash.json()).toEqual({ error: { code: 'thing_clash', message: 'The thing clashes', requestId: clash.headers['x-request-id'], details: { with: 'other' } } });
    expect((await post('fine', { count: 2 })).json()).toEqual({ count: 2 });
  });

  it('lets the platform answer its own codes through the same responses', async () => {
    expect((await post('gone', { count: 1 }, {})).json()).toMatchObject({ error: { code: 'unauthenticated' } });
    expect((await post('fine', { count: 'x' })).json()).toMatchObject({ error: { code: 'validation_failed' } });
    const malformed = await app.inject({ method: 'POST', url: '/api/things/fine', headers: { 'content-type': 'application/json', 'x-caller': 'yes' }, payload: '{"count": ' });
    expect(malformed.json()).toMatchObject({ error: { code: 'malformed_body' } });
    const tooLarge = await post('fine', { count: 1, padding: 'x'.repeat(2000) });
    expect([tooLarge.statusCode, tooLarge.json().error.code]).toEqual([413, 'payload_too_large']);
  });

  it('documents each status with the codes the route and the platform answer there, and leaves routes outside /api alone', async () => {
    type Response = { description: string; content: { 'application/json': { schema: { properties: { error: { properties: { code: { enum: string[] } } } } } } } };
    const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json<{ paths: Record<string, Record<string, { responses: Record<string, Response> }>> }>();
    const responses = document.paths['/api/things/{thingId}']?.['post']?.responses ?? {};
    const codes = Object.fromEntries(Object.entries(responses).filter(([status]) => status !== '200').map(([status, response]) => [status, response.content['application/json'].schema.properties.error.properties.code.enum]));
    expect(codes).toEqual({
      400: ['bad_request', 'bad_url', 'invalid_text', 'malformed_body', 'validation_failed'],
      401: ['unauthenticated'],
      // An authenticated state-changing route: the browser session's CSRF guard may refuse it.
      403: ['csrf_token_invalid'],
      404: ['thing_gone'],
      409: ['thing_clash'],
      413: ['payload_too_large'],
      414: ['uri_too_long'],
      415: ['unsupported_media_type'],
    });
    expect(responses['404']?.description).toBe('Error codes: `thing_gone`');
    expect(Object.keys(document.paths['/outside']?.['get']?.responses ?? {})).toEqual(['200']);
  });
});

// Compile-time guarantees (checked by `tsc`, never run): a route sends only codes it lists, and lists only codes its table knows.
export function compileTimeChecks(reply: FastifyReply, failure: Failure<'thing_gone' | 'thing_busy'>): void {
  // @ts-expect-error thing_busy is not among the codes this route lists
  sendFailure(reply, thingFailures, failure);
  // @ts-expect-error thing_missing has no status in the table
  routeFailures(THINGS_ERROR_STATUS, ['thing_missing']);
  // @ts-expect-error a table must give every code of its module a status
  const incomplete = { thing_gone: 404 } as const satisfies Record<ThingsErrorCode, HttpErrorStatus>;
  // @ts-expect-error a status must be an error status
  const notAnError = { thing_gone: 200 } as const satisfies ErrorStatusTable;
  void [incomplete, notAnError];
}
