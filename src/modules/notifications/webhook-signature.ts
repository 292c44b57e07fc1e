import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): the signed content is
 * `${webhook-id}.${webhook-timestamp}.${body}`, HMAC-SHA256 under the secret's bytes (base64 after
 * the `whsec_` prefix), sent as `v1,<base64>`; several signatures are space-separated (rotation).
 */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

export function generateWebhookSecret(): string {
  // 24 bytes: within the spec's 24–64 byte recommendation.
  return `${WEBHOOK_SECRET_PREFIX}${randomBytes(24).toString('base64')}`;
}

function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret, 'base64');
}

export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const digest = createHmac('sha256', secretBytes(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${digest}`;
}

export interface SignedWebhookHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** Headers for one delivery attempt, signed with every given secret (the current one first). */
export function buildWebhookHeaders(secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): SignedWebhookHeaders {
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((secret) => signWebhook(secret, messageId, timestampSeconds, body)).join(' '),
  };
}

/** Our own check (the inbound side of a sandbox receiver); tests use the reference library instead. */
export function verifyWebhookSignature(secret: string, messageId: string, timestampSeconds: number, body: string, header: string): boolean {
  const expected = Buffer.from(signWebhook(secret, messageId, timestampSeconds, body));
  return header.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * When a failed attempt is retried, in seconds after the failure, by attempt number: immediately,
 * 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (the schedule published in docs/notifications.md).
 */
export const WEBHOOK_RETRY_SCHEDULE_SECONDS: readonly number[] = [0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000];

/** Delay before attempt `nextAttempt` (2 = the first retry); undefined = no attempts left. */
export function webhookRetryDelaySeconds(nextAttempt: number): number | undefined {
  return WEBHOOK_RETRY_SCHEDULE_SECONDS[nextAttempt - 1];
}

/** An endpoint failing this long without a success is disabled and its owner told. */
export const ENDPOINT_DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;
