import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerOf, readBody, sendJson, type FakeState } from './fake-kit.js';

/**
 * SendGrid v3 `POST /v3/mail/send`: Bearer API key (`SG.`…), JSON body with personalizations,
 * from, subject and content; 202 with an empty body and `X-Message-Id`. Errors use SendGrid's
 * `{ "errors": [{ "message", "field", "help" }] }` shape (401 bad key, 400 validation, 429 with
 * X-RateLimit-* headers). SendGrid takes no idempotency key: every accepted request is a new message.
 */
export interface SendgridFakeOptions {
  apiKeys: ReadonlySet<string>;
}

interface SendgridAddress {
  email?: unknown;
  name?: unknown;
}

interface SendgridBody {
  personalizations?: { to?: SendgridAddress[]; subject?: unknown; headers?: Record<string, unknown>; custom_args?: Record<string, unknown> }[];
  from?: SendgridAddress;
  subject?: unknown;
  content?: { type?: unknown; value?: unknown }[];
  headers?: Record<string, unknown>;
  custom_args?: Record<string, unknown>;
  template_id?: unknown;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function validationError(response: ServerResponse, field: string, message: string): void {
  sendJson(response, 400, { errors: [{ message, field, help: `http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#message.${field.replace(/\.\d+/g, '')}` }] });
}

export async function handleSendgrid(state: FakeState, options: SendgridFakeOptions, request: IncomingMessage, response: ServerResponse, path: string): Promise<boolean> {
  if (path !== '/v3/mail/send') return false;
  if (request.method !== 'POST') {
    sendJson(response, 405, { errors: [{ field: null, message: 'method not allowed' }] });
    return true;
  }
  const raw = await readBody(request);
  const key = bearerOf(request);
  if (!key || !options.apiKeys.has(key) || state.takeFaultOf('sendgrid', 'auth')) {
    state.count('sendgrid 401');
    sendJson(response, 401, { errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked', help: null }] });
    return true;
  }
  const fault = state.takeFault('sendgrid');
  if (fault === 'rate_limit') {
    state.count('sendgrid 429');
    sendJson(response, 429, { errors: [{ field: null, message: 'too many requests' }] }, { 'x-ratelimit-limit': '600', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 2) });
    return true;
  }
  if (fault === 'server_error') {
    state.count('sendgrid 500');
    sendJson(response, 500, { errors: [{ field: null, message: 'internal error' }] });
    return true;
  }
  let body: SendgridBody;
  try {
    body = JSON.parse(raw) as SendgridBody;
  } catch {
    sendJson(response, 400, { errors: [{ field: null, message: 'Bad Request', help: null }] });
    return true;
  }
  const personalizations = body.personalizations;
  if (!Array.isArray(personalizations) || personalizations.length === 0) return void validationError(response, 'personalizations', 'The personalizations field is required and must have at least one personalization.'), true;
  const from = body.from?.email;
  if (typeof from !== 'string' || !EMAIL.test(from)) return void validationError(response, 'from.email', 'The from email does not contain a valid address.'), true;
  const content = Array.isArray(body.content) ? body.content : [];
  if (body.template_id === undefined && content.length === 0) return void validationError(response, 'content', 'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block.'), true;
  for (const [index, personalization] of personalizations.entries()) {
    const to = personalization.to;
    if (!Array.isArray(to) || to.length === 0) return void validationError(response, `personalizations.${index}.to`, 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.'), true;
    for (const [toIndex, recipient] of to.entries()) {
      if (typeof recipient.email !== 'string' || !EMAIL.test(recipient.email)) return void validationError(response, `personalizations.${index}.to.${toIndex}.email`, 'Does not contain a valid address.'), true;
    }
    if (personalization.subject === undefined && typeof body.subject !== 'string' && body.template_id === undefined) {
      return void validationError(response, 'subject', 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.'), true;
    }
  }
  await state.delay();
  const messageId = randomBytes(16).toString('base64url').slice(0, 22);
  const text = content.find((part) => part.type === 'text/plain')?.value;
  const html = content.find((part) => part.type === 'text/html')?.value;
  const headers = Object.fromEntries(Object.entries(body.headers ?? {}).map(([name, value]) => [name, String(value)]));
  for (const personalization of personalizations) {
    for (const recipient of personalization.to ?? []) {
      const customArgs = { ...(body.custom_args ?? {}), ...(personalization.custom_args ?? {}) };
      state.capture({
        id: `sendgrid_${messageId}_${String(recipient.email)}`,
        channel: 'email',
        provider: 'sendgrid',
        from,
        to: String(recipient.email),
        subject: String(personalization.subject ?? body.subject ?? ''),
        text: typeof text === 'string' ? text : '',
        html: typeof html === 'string' ? html : null,
        headers,
        deliveryId: typeof customArgs['delivery_id'] === 'string' ? customArgs['delivery_id'] : null,
        capturedAt: new Date().toISOString(),
      });
    }
  }
  state.count('sendgrid 202');
  response.writeHead(202, { 'x-message-id': messageId }).end();
  return true;
}
