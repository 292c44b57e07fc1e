import type { FastifyReply, RouteOptions } from 'fastify';
import { z } from 'zod';
import type { Failure } from '../result/index.js';
import { sendError } from './error-body.js';

/** The statuses an expected failure answers with. */
export type HttpErrorStatus = 400 | 401 | 403 | 404 | 408 | 409 | 413 | 414 | 415 | 422 | 429 | 431 | 500 | 501 | 502 | 503;

/** Failure code → status: one per module (`*.errors.ts`), `as const satisfies Record<ModuleCode, HttpErrorStatus>`. */
export type ErrorStatusTable = Readonly<Record<string, HttpErrorStatus>>;

/**
 * What the platform answers by itself (create-http-server.ts: text checks, auth hook, schema
 * validation, body parsing, router and HTTP parser errors, fallbacks).
 */
export const PLATFORM_ERROR_STATUS = {
  invalid_text: 400,
  validation_failed: 400,
  malformed_body: 400,
  bad_request: 400,
  bad_url: 400,
  unauthenticated: 401,
  /** A state-changing request authenticated by the browser session cookie without its CSRF token (the tenants module's guard). */
  csrf_token_invalid: 403,
  route_not_found: 404,
  request_timeout: 408,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  headers_too_large: 431,
  internal_error: 500,
} as const satisfies ErrorStatusTable;

export type PlatformErrorCode = keyof typeof PLATFORM_ERROR_STATUS;

export type ErrorResponseSchema = z.ZodType<{ error: { code: string; message: string; requestId: string; details?: unknown } }>;

/** The failures one route can answer: its response schemas (an enum of codes per status) and their statuses. */
export interface RouteFailures<Code extends string> {
  /** Spread into the route's `schema.response`. */
  readonly responses: Readonly<Record<number, ErrorResponseSchema>>;
  readonly statusOf: (code: Code) => HttpErrorStatus;
}

const codesBySchema = new WeakMap<object, readonly string[]>();
const schemaByCodes = new Map<string, ErrorResponseSchema>();

/**
 * The error envelope with `error.code` limited to `codes`. The serializer checks responses against
 * it, which is why every code a route can send, the platform's included, must be listed.
 */
function errorBodyFor(codes: readonly string[]): ErrorResponseSchema {
  const sorted = [...new Set(codes)].sort();
  const key = sorted.join(' ');
  const cached = schemaByCodes.get(key);
  if (cached) return cached;
  const [first, ...rest] = sorted;
  if (first === undefined) throw new Error('an error response needs at least one code');
  const schema: ErrorResponseSchema = z
    .object({
      error: z.object({
        code: z.enum([first, ...rest]),
        message: z.string(),
        requestId: z.string(),
        details: z.unknown().optional(),
      }),
    })
    .describe(`Error codes: ${sorted.map((code) => `\`${code}\``).join(', ')}`);
  codesBySchema.set(schema, sorted);
  schemaByCodes.set(key, schema);
  return schema;
}

function responsesFor(statusByCode: ReadonlyMap<string, number>): Record<number, ErrorResponseSchema> {
  const codesByStatus = new Map<number, string[]>();
  for (const [code, status] of statusByCode) codesByStatus.set(status, [...(codesByStatus.get(status) ?? []), code]);
  return Object.fromEntries([...codesByStatus].map(([status, codes]) => [status, errorBodyFor(codes)]));
}

/**
 * The codes a route answers, with their statuses from the module's table. `sendFailure` accepts only
 * failures whose code is listed here, so a use case that gains a code fails to compile until its
 * routes list it (and its module's table gives it a status).
 */
export function routeFailures<Table extends ErrorStatusTable, Code extends keyof Table & string>(table: Table, codes: readonly Code[]): RouteFailures<Code> {
  const statusByCode = new Map(codes.map((code) => [code, table[code] as HttpErrorStatus]));
  return { responses: responsesFor(statusByCode), statusOf: (code) => statusByCode.get(code) ?? 500 };
}

/** The one way a route answers a use case's failure: status from the table, the failure's code, message and details. */
export function sendFailure<Code extends string>(reply: FastifyReply, failures: RouteFailures<Code>, failure: Failure<NoInfer<Code>>): FastifyReply {
  return sendError(reply, failures.statusOf(failure.code), failure.code, failure.message, failure.details);
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * Which platform codes a route under /api can answer, from what it declares. Answers given before
 * any route is matched (route_not_found, the HTTP parser's 408/431) belong to no operation.
 */
function platformCodesOf(route: RouteOptions): PlatformErrorCode[] {
  const schema = route.schema ?? {};
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  // Headers are checked for invalid text on every request.
  const codes: PlatformErrorCode[] = ['invalid_text'];
  if (!route.config?.isPublic) codes.push('unauthenticated');
  if (!route.config?.isPublic && methods.some((method) => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS')) codes.push('csrf_token_invalid');
  if (schema.params || schema.querystring || schema.body || schema.headers) codes.push('validation_failed');
  if (route.url.includes(':')) codes.push('bad_url', 'uri_too_long');
  if (methods.some((method) => BODY_METHODS.has(method))) codes.push('malformed_body', 'bad_request', 'payload_too_large', 'unsupported_media_type');
  return codes;
}

/**
 * onRoute hook: adds the platform's own answers (401 without credentials, 400 on invalid input,
 * 414 on path segments, 413/415 on bodies) to each /api route's responses, merged with the codes the route lists, so the
 * OpenAPI document names every code and the serializer accepts every answer.
 */
export function addPlatformFailures(route: RouteOptions): void {
  if (!route.url.startsWith('/api/') || !route.schema) return;
  const declared = (route.schema.response ?? {}) as Record<string, unknown>;
  const statusByCode = new Map<string, number>();
  const merged: Record<string, unknown> = { ...declared };
  for (const [status, schema] of Object.entries(declared)) {
    const codes = typeof schema === 'object' && schema !== null ? codesBySchema.get(schema) : undefined;
    for (const code of codes ?? []) statusByCode.set(code, Number(status));
  }
  for (const code of platformCodesOf(route)) {
    const status = PLATFORM_ERROR_STATUS[code];
    const existing = declared[status];
    // A status declared with a schema of its own (not an error envelope of ours) is left as it is.
    if (existing !== undefined && !codesBySchema.has(existing as object)) continue;
    statusByCode.set(code, status);
  }
  Object.assign(merged, responsesFor(statusByCode));
  route.schema = { ...route.schema, response: merged };
}
