import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyReply,
  type FastifyInstance,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type { Logger } from '../log/index.js';
import { buildErrorBody, sendError } from './error-body.js';
import { addPlatformFailures } from './failure-responses.js';
import { findInvalidText, type InvalidText } from './input-text.js';
import type { Authenticator } from './principal.js';

export type HttpServer = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface HttpServerOptions {
  logger: Logger;
  bodyLimitBytes: number;
  corsOrigins: string[];
  version: string;
  authenticator: Authenticator;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Routes under /api require credentials unless they set this. */
    isPublic?: boolean;
    /**
     * The route answers Server-Sent Events (to a GET asking for text/event-stream). Only such routes
     * accept a stream ticket (`?ticket=`, for EventSource, which cannot send headers).
     */
    isEventStream?: boolean;
  }
}

const REQUEST_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (oversized headers, malformed
 * request lines, timeouts); they still answer in the error envelope, with a fresh request id.
 */
function answerClientError(this: { log: FastifyBaseLogger }, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [statusCode, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'The request headers are too large']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'The request was not received in time']
        : [400, 'bad_request', 'The request could not be parsed as HTTP'];
  const requestId = randomUUID();
  this.log.debug({ reqId: requestId, errorCode: error.code }, 'client error');
  if (socket.writable) {
    const body = JSON.stringify(buildErrorBody(requestId, code, message));
    socket.write(
      `HTTP/1.1 ${statusCode} ${STATUS_CODES[statusCode] ?? ''}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function invalidTextBody(requestId: string, found: InvalidText) {
  return buildErrorBody(requestId, 'invalid_text', `Text ${found.message}`, [{ path: found.path, message: found.message }]);
}

export async function createHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: (request) => {
      const incoming = request.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_PATTERN.test(incoming) ? incoming : randomUUID();
    },
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    clientErrorHandler: answerClientError,
    // Errors the router raises before any route or hook runs.
    frameworkErrors: (error, request, rawReply) => {
      const reply = (rawReply as unknown as FastifyReply).header('x-request-id', request.id);
      if (error.code === 'FST_ERR_BAD_URL') return sendError(reply, 400, 'bad_url', 'The URL is not validly percent-encoded');
      if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return sendError(reply, 414, 'uri_too_long', 'A path segment is longer than the limit');
      request.log.error({ err: error }, 'router error');
      return sendError(reply, 500, 'internal_error', 'Internal server error');
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', undefined);
  app.addHook('onRoute', addPlatformFailures);

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });

  await app.register(cors, {
    origin: options.corsOrigins.length === 0 ? false : options.corsOrigins.includes('*') ? true : options.corsOrigins,
    credentials: true,
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard API', version: options.version, description: 'Self-hostable backend for GoHighLevel agencies and app builders.' },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ bearerAuth: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Before authentication, so no lookup ever sees such text either.
  app.addHook('onRequest', async (request, reply) => {
    const found = findInvalidText(request.params, '/params') ?? findInvalidText(request.query, '/query') ?? findInvalidText(request.headers, '/headers');
    if (found) return reply.status(400).send(invalidTextBody(request.id, found));
    return undefined;
  });
  app.addHook('preValidation', async (request, reply) => {
    const found = findInvalidText(request.body, '/body');
    if (found) return reply.status(400).send(invalidTextBody(request.id, found));
    return undefined;
  });

  app.addHook('onRequest', async (request, reply) => {
    const url = request.routeOptions.url;
    if (!url || !url.startsWith('/api/')) return undefined;
    const principal = await options.authenticator.authenticate(request);
    if (principal) {
      request.principal = principal;
      return undefined;
    }
    if (request.routeOptions.config.isPublic) return undefined;
    return sendError(reply, 401, 'unauthenticated', 'Missing or invalid credentials');
  });

  app.setNotFoundHandler((request, reply) =>
    sendError(reply, 404, 'route_not_found', `No route for ${request.method} ${request.url.split('?')[0] ?? ''}`),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return reply.status(400).send(
        buildErrorBody(request.id, 'validation_failed', 'The request did not match the schema', error.validation.map((issue) => ({
          path: issue.instancePath,
          message: issue.message,
        }))),
      );
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error }, 'response did not match its schema');
      return reply.status(500).send(buildErrorBody(request.id, 'internal_error', 'Internal server error'));
    }
    const statusCode = error.statusCode ?? 500;
    if (statusCode === 413) return reply.status(413).send(buildErrorBody(request.id, 'payload_too_large', 'The request body is too large'));
    if (statusCode === 415) return reply.status(415).send(buildErrorBody(request.id, 'unsupported_media_type', error.message));
    if (statusCode === 400 && error.code?.startsWith('FST_ERR_CTP')) {
      return reply.status(400).send(buildErrorBody(request.id, 'malformed_body', 'The request body could not be parsed'));
    }
    if (statusCode === 400 && error instanceof SyntaxError) {
      return reply.status(400).send(buildErrorBody(request.id, 'malformed_body', 'The request body is not valid JSON'));
    }
    if (statusCode >= 400 && statusCode < 500) {
      return reply.status(statusCode).send(buildErrorBody(request.id, 'bad_request', error.message));
    }
    request.log.error({ err: error }, 'unhandled error');
    return reply.status(500).send(buildErrorBody(request.id, 'internal_error', 'Internal server error'));
  });

  return app as unknown as HttpServer;
}
