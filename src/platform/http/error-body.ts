import type { FastifyReply } from 'fastify';
import { z } from 'zod';

export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      requestId: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'ErrorBody' });

export type ErrorBody = z.infer<typeof errorBodySchema>;

export function buildErrorBody(requestId: string, code: string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message, requestId } : { code, message, requestId, details } };
}

/** The one way a route answers an expected failure. */
export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string, details?: unknown) {
  return reply.status(statusCode).send(buildErrorBody(reply.request.id, code, message, details));
}

/** Standard error responses for route schemas, so OpenAPI documents them. */
export function errorResponses(...statusCodes: number[]): Record<number, typeof errorBodySchema> {
  return Object.fromEntries(statusCodes.map((statusCode) => [statusCode, errorBodySchema]));
}
