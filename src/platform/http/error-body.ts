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

/** An error envelope with its status; routes answer use-case failures through sendFailure (failure-responses.ts). */
export function sendError(reply: FastifyReply, statusCode: number, code: string, message: string, details?: unknown) {
  return reply.status(statusCode).send(buildErrorBody(reply.request.id, code, message, details));
}
