import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TokenRecord } from './token-vault.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** API families and the `Version` values their OpenAPI files enumerate (ghl-api.md §1.1). */
export type ApiFamily = 'oauth' | 'locations' | 'users' | 'contacts' | 'opportunities' | 'calendars' | 'conversations' | 'invoices';

export const FAMILY_VERSION: Record<ApiFamily, string> = {
  oauth: '2021-07-28',
  locations: '2021-07-28',
  users: '2021-07-28',
  contacts: '2021-07-28',
  opportunities: '2021-07-28',
  calendars: '2021-04-15',
  conversations: '2021-04-15',
  invoices: '2021-07-28',
};

/** Which token classes a route accepts (the spec's security scheme names). */
export type TokenRequirement = 'location' | 'company' | 'any';

export interface RequestContext {
  method: HttpMethod;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: unknown;
  token: TokenRecord | undefined;
  nowMs: number;
}

export interface ApiResult {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** HTML or plain text answers (consent page). */
  contentType?: string;
  /** Pre-serialized JSON object text (hot paths build it from cached fragments); wins over `body`. */
  rawJson?: string;
}

export interface RouteDefinition {
  method: HttpMethod;
  path: string;
  family?: ApiFamily;
  tokenRequirement?: TokenRequirement;
  /** OAuth scope the token must hold (ghl-api.md §3). */
  scope?: string;
  handle: (context: RequestContext) => ApiResult | Promise<ApiResult>;
}

/** Expected failures thrown from deep inside a handler and turned into GHL's error shapes. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(typeof body['message'] === 'string' ? body['message'] : `HTTP ${status}`);
  }
}

const ERROR_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** NestJS-style error body, the shape `common-schemas.json` documents. */
export function createErrorBody(status: number, message: string | string[]): Record<string, unknown> {
  return { statusCode: status, message, error: ERROR_NAMES[status] ?? 'Error' };
}

export function fail(status: number, message: string | string[]): never {
  throw new ApiError(status, createErrorBody(status, message));
}

/** 422 with a `message` array, like GHL's class-validator answers. */
export function failValidation(messages: string[]): never {
  fail(422, messages);
}

export function ok(body: unknown, status = 200): ApiResult {
  return { status, body };
}

interface CompiledRoute {
  definition: RouteDefinition;
  segments: string[];
}

export interface RouteMatch {
  definition: RouteDefinition;
  params: Record<string, string>;
}

/** Segment router: literal segments win over `:param` ones, trailing slashes are ignored. */
export class Router {
  private readonly routesByMethod = new Map<string, CompiledRoute[]>();

  add(definition: RouteDefinition): void {
    const segments = splitPath(definition.path);
    const list = this.routesByMethod.get(definition.method) ?? [];
    list.push({ definition, segments });
    // Fewer parameters first, so `/contacts/search` beats `/contacts/:contactId`.
    list.sort((a, b) => countParams(a.segments) - countParams(b.segments));
    this.routesByMethod.set(definition.method, list);
  }

  addAll(definitions: readonly RouteDefinition[]): void {
    for (const definition of definitions) this.add(definition);
  }

  match(method: string, path: string): RouteMatch | undefined {
    const list = this.routesByMethod.get(method);
    if (!list) return undefined;
    const parts = splitPath(path);
    for (const route of list) {
      if (route.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let isMatch = true;
      for (let i = 0; i < parts.length; i++) {
        const segment = route.segments[i] ?? '';
        const part = parts[i] ?? '';
        if (segment.startsWith(':')) params[segment.slice(1)] = decodeSegment(part);
        else if (segment !== part) {
          isMatch = false;
          break;
        }
      }
      if (isMatch) return { definition: route.definition, params };
    }
    return undefined;
  }

  hasPath(path: string): boolean {
    for (const method of this.routesByMethod.keys()) if (this.match(method, path)) return true;
    return false;
  }
}

function decodeSegment(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    // A malformed escape is an unknown id, not a server error.
    return part;
  }
}

function splitPath(path: string): string[] {
  return path.split('/').filter((part) => part.length > 0);
}

function countParams(segments: string[]): number {
  return segments.filter((segment) => segment.startsWith(':')).length;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;

export function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, createErrorBody(413, 'Payload Too Large')));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(chunks.length === 1 ? (chunks[0]?.toString('utf8') ?? '') : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** JSON and form bodies are both accepted: the OAuth endpoints are form-encoded, the guide's samples send JSON. */
export function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(raw);
    const body: Record<string, string | string[]> = {};
    for (const key of new Set(form.keys())) {
      const values = form.getAll(key);
      body[key] = values.length > 1 ? values : (values[0] ?? '');
    }
    return body;
  }
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    fail(400, 'Unexpected token in JSON body');
  }
}

export function sendResult(response: ServerResponse, result: ApiResult, extraHeaders: Record<string, string> | undefined): void {
  const isText = result.contentType !== undefined;
  const payload = result.rawJson ?? (isText ? String(result.body) : result.body === undefined ? '' : JSON.stringify(result.body));
  const headers: Record<string, string | number> = {
    'content-type': result.contentType ?? 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...extraHeaders,
    ...result.headers,
  };
  response.writeHead(result.status, headers);
  response.end(payload);
}

export function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function readString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

export function readNumber(record: Record<string, unknown>, key: string): number | undefined {
  const value = record[key];
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

export function readBoolean(record: Record<string, unknown>, key: string): boolean | undefined {
  const value = record[key];
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

export function readStringArray(record: Record<string, unknown>, key: string): string[] | undefined {
  const value = record[key];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') return value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  return undefined;
}

export function parseIntegerParam(value: string | null, fallback: number): number {
  if (value === null || value.trim() === '') return fallback;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? Math.trunc(parsed) : fallback;
}
