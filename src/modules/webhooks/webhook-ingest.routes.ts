import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { routeFailures, sendFailure, type HttpServer } from '../../platform/http/index.js';
import { fail } from '../../platform/result/index.js';
import { ingestWebhook, type IngestDeps, type IngestRequest } from './ingest-webhook.js';
import { WEBHOOKS_ERROR_STATUS } from './webhooks.errors.js';

export interface IngestRouteDeps {
  ingest: IngestDeps;
  bodyLimitBytes: number;
  retryAfterSeconds: number;
}

const acceptedSchema = z
  .object({ received: z.literal(true), duplicate: z.boolean(), id: z.string().optional() })
  .meta({ id: 'WebhookAccepted' });

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * The 200 body, serialised by hand: Fastify sends a string with a JSON content type as it is,
 * skipping the schema serializer (a zod parse and a JSON.stringify per webhook). The same bytes the
 * serializer writes for `acceptedSchema` (test/webhooks-ingest.test.ts checks the bytes).
 */
export function acceptedBody(isDuplicate: boolean, id: string | undefined): string {
  const head = isDuplicate ? '{"received":true,"duplicate":true' : '{"received":true,"duplicate":false';
  return id ? `${head},"id":${JSON.stringify(id)}}` : `${head}}`;
}

const ingestFailures = routeFailures(WEBHOOKS_ERROR_STATUS, [
  'webhook_body_empty',
  'webhook_body_not_json',
  'webhook_body_not_utf8',
  'webhook_body_number_unsafe',
  'webhook_body_not_object',
  'webhook_body_unstorable',
  'webhook_signature_invalid',
  'webhook_replay_rejected',
  'webhook_overloaded',
  'webhook_store_unavailable',
]);
const responses = { 200: acceptedSchema, ...ingestFailures.responses };
const eventTypeParams = z.object({ eventType: z.string().regex(/^[A-Za-z0-9_.:-]{1,100}$/) });
const integrationParams = z.object({ integrationId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/) });
const integrationQuery = z.object({ integrationId: z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/).optional() });

function readIntegrationHeader(request: FastifyRequest): string | undefined {
  const value = request.headers['x-integration-id'];
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,128}$/.test(value) ? value : undefined;
}

function rawBodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

/**
 * Ingest routes live in their own encapsulated plugin: a catch-all buffer parser keeps the exact
 * bytes for signature checks, with its own body limit. Nothing here answers 5xx: a failure to store
 * is a 429, the only answer GHL retries.
 */
export function registerWebhookIngestRoutes(app: HttpServer, deps: IngestRouteDeps): void {
  const handle = async (reply: FastifyReply, request: IngestRequest) => {
    try {
      const result = await ingestWebhook(deps.ingest, request);
      if (result.ok) {
        return reply.status(200).header('content-type', JSON_CONTENT_TYPE).send(acceptedBody(result.value.isDuplicate, result.value.id));
      }
      if (ingestFailures.statusOf(result.code) === 429) reply.header('retry-after', String(deps.retryAfterSeconds));
      return sendFailure(reply, ingestFailures, result);
    } catch (error) {
      reply.request.log.error({ err: error }, 'webhook ingest failed unexpectedly');
      reply.header('retry-after', String(deps.retryAfterSeconds));
      return sendFailure(reply, ingestFailures, fail('webhook_store_unavailable', 'The webhook could not be stored; retry later'));
    }
  };

  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes }, (_request, body, done) => done(null, body));

    const ghlRoute = {
      config: { isPublic: true },
      bodyLimit: deps.bodyLimitBytes,
      schema: { tags: ['webhooks'], summary: 'GHL marketplace app webhook (Ed25519 x-ghl-signature, or legacy RSA x-wh-signature)', security: [], response: responses },
    };
    scope.post('/api/webhooks/ghl', ghlRoute, (request, reply) => handle(reply, { provider: 'ghl', rawBody: rawBodyOf(request), headers: request.headers }));
    scope.post('/api/webhooks/ghl/native', ghlRoute, (request, reply) => handle(reply, { provider: 'ghl', rawBody: rawBodyOf(request), headers: request.headers }));

    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/webhooks/ghl/:eventType',
      {
        config: { isPublic: true },
        bodyLimit: deps.bodyLimitBytes,
        schema: {
          tags: ['webhooks'],
          summary: 'GHL workflow/custom webhook, HMAC-SHA256 signed (x-webhook-signature) with the integration secret named by x-integration-id or ?integrationId=',
          security: [],
          params: eventTypeParams,
          querystring: integrationQuery,
          response: responses,
        },
      },
      (request, reply) =>
        handle(reply, {
          provider: 'ghl_workflow',
          rawBody: rawBodyOf(request),
          headers: request.headers,
          eventType: request.params.eventType,
          integrationId: readIntegrationHeader(request) ?? request.query.integrationId,
        }),
    );

    scope.withTypeProvider<ZodTypeProvider>().post(
      '/api/webhooks/integrations/:integrationId',
      {
        config: { isPublic: true },
        bodyLimit: deps.bodyLimitBytes,
        schema: { tags: ['webhooks'], summary: "An integration's webhook, HMAC-SHA256 signed (x-webhook-signature) with that integration's secret", security: [], params: integrationParams, response: responses },
      },
      (request, reply) => handle(reply, { provider: 'integration', rawBody: rawBodyOf(request), headers: request.headers, integrationId: request.params.integrationId }),
    );
  });
}
