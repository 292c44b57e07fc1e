import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerOf, postCallback, readBody, sendJson, svixSignature, type FakeState } from './fake-kit.js';

/**
 * Resend `POST /emails`: Bearer `re_…` key, JSON body (from, to, subject, html/text, headers, tags),
 * 200 `{ "id": uuid }`. Errors are `{ "statusCode", "name", "message" }` (401 missing_api_key,
 * 403 invalid_api_key, 422 validation_error, 429 rate_limit_exceeded). `Idempotency-Key` is honoured
 * as Resend documents it: the same key with the same body answers the first email's id and sends
 * nothing; the same key with another body is 409 invalid_idempotent_request; a key whose first
 * request is still running is 409 concurrent_idempotent_requests. Keys are kept 24 hours.
 * Resend's test addresses behave as documented: bounced@resend.dev bounces, delivered@resend.dev delivers.
 */
export interface ResendFakeOptions {
  apiKeys: ReadonlySet<string>;
  /** Where delivery events go (signed with `eventsSecret`), when set. */
  eventsUrl?: () => string | undefined;
  eventsSecret: string;
}

interface IdempotencyEntry {
  bodyHash: string;
  id: string | undefined;
  at: number;
}

const DAY_MS = 24 * 3600 * 1000;
const EMAIL = /<?([^\s<>@]+@[^\s<>@]+\.[^\s<>@]+)>?\s*$/;

function resendError(response: ServerResponse, statusCode: number, name: string, message: string): void {
  sendJson(response, statusCode, { statusCode, name, message });
}

export function createResendFake(state: FakeState, options: ResendFakeOptions) {
  const keys = new Map<string, IdempotencyEntry>();

  function sendEvents(id: string, to: string, from: string, subject: string): void {
    const url = options.eventsUrl?.();
    if (!url) return;
    const address = (EMAIL.exec(to)?.[1] ?? to).toLowerCase();
    const types = address.startsWith('bounced@') ? ['email.sent', 'email.bounced'] : ['email.sent', 'email.delivered'];
    let delayMs = 20;
    for (const type of types) {
      setTimeout(() => {
        const body = JSON.stringify({
          type,
          created_at: new Date().toISOString(),
          data: { email_id: id, from, to: [to], subject, created_at: new Date().toISOString(), ...(type === 'email.bounced' ? { bounce: { message: 'The recipient mailbox does not exist', type: 'Permanent' } } : {}) },
        });
        const eventId = `msg_${randomUUID().replaceAll('-', '')}`;
        const timestamp = Math.floor(Date.now() / 1000);
        void postCallback(state, url, body, {
          'content-type': 'application/json',
          'svix-id': eventId,
          'svix-timestamp': String(timestamp),
          'svix-signature': svixSignature(options.eventsSecret, eventId, timestamp, body),
        });
      }, delayMs);
      delayMs += 30;
    }
  }

  return async function handleResend(request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
    if (path !== '/emails') return false;
    if (request.method !== 'POST') return void resendError(response, 405, 'method_not_allowed', 'Method not allowed'), true;
    const raw = await readBody(request);
    const key = bearerOf(request);
    if (!key) return void resendError(response, 401, 'missing_api_key', 'Missing API key in the authorization header. Include the following header in the request: Authorization: Bearer YOUR_API_KEY'), true;
    if (!options.apiKeys.has(key) || state.takeFaultOf('resend', 'auth')) {
      state.count('resend 403');
      return void resendError(response, 403, 'invalid_api_key', 'API key is invalid'), true;
    }
    const fault = state.takeFault('resend');
    if (fault === 'rate_limit') {
      state.count('resend 429');
      response.setHeader('retry-after', '1');
      return void resendError(response, 429, 'rate_limit_exceeded', 'Too many requests. You can only make 2 requests per second. See rate limit response headers for more information. Or contact support to increase rate limit.'), true;
    }
    if (fault === 'server_error') {
      state.count('resend 500');
      return void resendError(response, 500, 'internal_server_error', 'An unexpected error occurred.'), true;
    }
    let body: { from?: unknown; to?: unknown; subject?: unknown; html?: unknown; text?: unknown; headers?: Record<string, unknown>; tags?: { name?: unknown; value?: unknown }[] };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return void resendError(response, 422, 'validation_error', 'Invalid JSON'), true;
    }
    const to = typeof body.to === 'string' ? [body.to] : Array.isArray(body.to) ? body.to.map(String) : [];
    if (typeof body.from !== 'string' || !EMAIL.test(body.from)) return void resendError(response, 422, 'validation_error', 'Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.'), true;
    if (to.length === 0 || to.length > 50 || !to.every((address) => EMAIL.test(address))) return void resendError(response, 422, 'validation_error', 'Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.'), true;
    if (typeof body.subject !== 'string' || body.subject.length === 0) return void resendError(response, 422, 'validation_error', 'Missing `subject` field.'), true;
    if (typeof body.html !== 'string' && typeof body.text !== 'string') return void resendError(response, 422, 'validation_error', 'Missing `html` or `text` field.'), true;

    const idempotencyKey = request.headers['idempotency-key'];
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    if (typeof idempotencyKey === 'string') {
      const now = Date.now();
      const existing = keys.get(idempotencyKey);
      if (existing && now - existing.at < DAY_MS) {
        if (existing.bodyHash !== bodyHash) {
          state.count('resend 409 invalid_idempotent_request');
          return void resendError(response, 409, 'invalid_idempotent_request', 'Same idempotency key used with a different request payload. Change your idempotency key or payload.'), true;
        }
        if (existing.id === undefined) {
          state.count('resend 409 concurrent_idempotent_requests');
          return void resendError(response, 409, 'concurrent_idempotent_requests', 'Same idempotency key used while original request is still in progress. Try the request again later.'), true;
        }
        state.count('resend idempotent_replay');
        return void sendJson(response, 200, { id: existing.id }), true;
      }
      keys.set(idempotencyKey, { bodyHash, id: undefined, at: now });
    }
    const id = randomUUID();
    const tags = Object.fromEntries((body.tags ?? []).map((tag) => [String(tag.name), String(tag.value)]));
    const headers = Object.fromEntries(Object.entries(body.headers ?? {}).map(([name, value]) => [name, String(value)]));
    for (const address of to) {
      state.capture({
        id: `resend_${id}_${address}`,
        channel: 'email',
        provider: 'resend',
        from: body.from,
        to: address,
        subject: body.subject,
        text: typeof body.text === 'string' ? body.text : '',
        html: typeof body.html === 'string' ? body.html : null,
        headers,
        deliveryId: tags['delivery_id'] ?? null,
        capturedAt: new Date().toISOString(),
      });
      sendEvents(id, address, body.from, body.subject);
    }
    // The key records the id once the email is accepted, before the (possibly delayed) answer: a
    // caller that never saw the answer gets this id on its retry.
    if (typeof idempotencyKey === 'string') keys.set(idempotencyKey, { bodyHash, id, at: Date.now() });
    await state.delay();
    state.count('resend 200');
    sendJson(response, 200, { id });
    return true;
  };
}
