import pino, { type DestinationStream, type Logger } from 'pino';

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

export function createLogger(options: { level: string; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      level: options.level,
      name: options.name ?? 'switchboard',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}
