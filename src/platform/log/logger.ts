import pino, { type DestinationStream, type Logger } from 'pino';
import { serializeError, withoutQueryParameters } from './safe-errors.js';

export type { Logger };

/**
 * Paths whose values never reach a log line. Secrets can also hide in free text, so code must not
 * interpolate them into messages either; this list is the safety net for structured fields.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-ghl-signature"]',
  'req.headers["x-wh-signature"]',
  'headers.authorization',
  '*.password',
  '*.passwordHash',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.apiKey',
  '*.key',
  '*.inviteCode',
  '*.code',
  'password',
  'token',
  'secret',
];

/** Query parameters that carry secrets in URLs (OAuth callback, SSE tickets); their values are masked in logged URLs. */
const SECRET_QUERY_PARAMS = /([?&](?:code|state|ticket|access_token|token|api_key)=)[^&#]*/gi;

function redactUrl(url: string): string {
  return url.replace(SECRET_QUERY_PARAMS, '$1[redacted]');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  headers?: Record<string, unknown>;
  ip?: string;
  socket?: { remoteAddress?: string };
}

/** Fastify's request fields, with secrets in the query string masked. */
function serializeRequest(request: LoggedRequest) {
  return {
    method: request.method,
    url: request.url === undefined ? undefined : redactUrl(request.url),
    host: request.host ?? request.headers?.['host'],
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
  };
}

export function createLogger(options: { level: string; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'switchboard',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      // Error objects are serialised without query values and secret-named fields at any depth
      // (redact paths only reach fixed depths); see safe-errors.ts.
      serializers: { req: serializeRequest, err: serializeError, error: serializeError, cause: serializeError },
      hooks: {
        // A message built from an error's text (`log.warn(error.message)`) must not carry query values either.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? withoutQueryParameters(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}
