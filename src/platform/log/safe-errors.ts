/*
 * Errors are the one place secrets slip into logs and stored error text unasked: drizzle's
 * DrizzleQueryError puts every query parameter into its message ("Failed query: …\nparams: …") and
 * keeps them in `params`; PGlite's error adds `params` and `queryOptions`; PostgreSQL's `detail`
 * quotes the whole failing row ("Failing row contains (…)", argon2 hashes included) or the key
 * values. Objects attached to errors (request options, responses) carry headers and tokens. So
 * errors are serialised here, for logs and for the text we store, without any of that.
 */

const REDACTED = '[redacted]';
const MAX_DEPTH = 6;
const MAX_ARRAY_ITEMS = 20;

/** Properties that carry query values; dropped from every error at any depth. */
const QUERY_VALUE_KEYS = new Set(['params', 'parameters', 'values', 'queryOptions', 'queryParams', 'bindings']);

/** Property names whose values are secrets wherever they appear (compared lower-case, without - and _). */
const SECRET_KEYS = new Set([
  'password',
  'passwordhash',
  'hash',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'secret',
  'clientsecret',
  'apikey',
  'xapikey',
  'key',
  'keyhash',
  'codehash',
  'invitecode',
  'ticket',
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'xghlsignature',
  'xwhsignature',
  'xwebhooksignature',
  'signature',
  'jwt',
  'privatekey',
  'ciphertext',
]);

function isSecretKey(key: string): boolean {
  return SECRET_KEYS.has(key.toLowerCase().replace(/[-_]/g, ''));
}

/** Error codes (SQLSTATE, Node's E…/ERR_…, Fastify's FST_…) are kept; any other `code` may be an OAuth code. */
function isErrorCode(value: unknown): boolean {
  return typeof value === 'string' && /^(?:[0-9A-Z]{5}|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|E[A-Z]{2,})$/.test(value);
}

/**
 * Drizzle's "Failed query: <sql>\nparams: <values>" without the values. The values run to the end
 * of drizzle's message and may hold anything (newlines included), so text that embeds one is cut
 * there.
 */
export function withoutQueryParameters(message: string): string {
  const start = message.indexOf('Failed query: ');
  if (start < 0) return message;
  const index = message.indexOf('\nparams: ', start);
  return index < 0 ? message : message.slice(0, index);
}

/** PostgreSQL's detail quotes row and key values; keep its shape, not the values. */
function safeDetail(detail: string): string {
  if (detail.startsWith('Failing row contains')) return `Failing row contains ${REDACTED}`;
  return detail.replace(/^(Key \([^)]*\))=\(.*\)( .*)?$/s, `$1=${REDACTED}$2`);
}

function safeValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (value instanceof Error) return serializeErrorAt(value, depth, seen);
  if (value === null || typeof value !== 'object') return typeof value === 'bigint' ? value.toString() : value;
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (seen.has(value)) return '[circular]';
  if (depth >= MAX_DEPTH) return '[object]';
  seen.add(value);
  if (Array.isArray(value)) return value.slice(0, MAX_ARRAY_ITEMS).map((item) => safeValue(item, depth + 1, seen));
  if (value instanceof Map) return safeEntries([...value.entries()].map(([key, item]) => [String(key), item]), depth, seen);
  return safeEntries(Object.entries(value), depth, seen);
}

function safeEntries(entries: [string, unknown][], depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    if (QUERY_VALUE_KEYS.has(key)) continue;
    result[key] = isSecretKey(key) ? REDACTED : safeValue(item, depth + 1, seen);
  }
  return result;
}

function serializeErrorAt(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  if (seen.has(error)) return { type: error.name, message: '[circular]' };
  seen.add(error);
  const message = withoutQueryParameters(error.message);
  const result: Record<string, unknown> = { type: error.name && error.name !== 'Error' ? error.name : error.constructor.name, message };
  if (typeof error.stack === 'string') {
    // The stack starts with "<name>: <message>", so the parameters are in it too.
    result.stack = message === error.message ? error.stack : error.stack.replace(error.message, message);
  }
  for (const [key, item] of Object.entries(error)) {
    if (key === 'cause' || key === 'message' || key === 'stack' || QUERY_VALUE_KEYS.has(key)) continue;
    if (key === 'code') result.code = isErrorCode(item) ? item : REDACTED;
    else if (key === 'detail' && typeof item === 'string') result.detail = safeDetail(item);
    else result[key] = isSecretKey(key) ? REDACTED : safeValue(item, depth + 1, seen);
  }
  if (error.cause !== undefined && depth < MAX_DEPTH) result.cause = safeValue(error.cause, depth + 1, seen);
  if (error instanceof AggregateError) result.errors = (error.errors as unknown[]).slice(0, MAX_ARRAY_ITEMS).map((item) => safeValue(item, depth + 1, seen));
  return result;
}

/** pino serializer for `err` (and `error`, `cause`): an error without query values or secrets. */
export function serializeError(value: unknown): unknown {
  if (typeof value === 'string') return withoutQueryParameters(value);
  return safeValue(value, 0, new WeakSet());
}

/**
 * "<name>: <message>" for error text we store or return (job and webhook `last_error`, sync runs):
 * without query values; for a failed query the database's reason first, then the statement.
 */
export function describeError(error: unknown, maxLength = 2000): string {
  if (!(error instanceof Error)) return String(error).slice(0, maxLength);
  const message = withoutQueryParameters(error.message);
  const text =
    message !== error.message && error.cause instanceof Error
      ? `${error.cause.name}: ${withoutQueryParameters(error.cause.message)} (${message})`
      : `${error.name}: ${message}`;
  return text.slice(0, maxLength);
}
