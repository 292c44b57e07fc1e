import { randomUUID } from 'node:crypto';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
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
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('principal', undefined);

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
