import twilio from 'twilio';
import { createHttpClient, HttpNetworkError, HttpTimeoutError, type HttpClient } from '../../../platform/http-client/index.js';
import type { OutgoingSms, ProviderOutcome, SmsAccount, SmsTransport, TwilioSignatureCheck } from '../notification-ports.js';

export interface TwilioEndpoints {
  /** https://api.twilio.com, or the local fake. */
  apiBaseUrl: string;
  timeoutMs: number;
  /** Refuses calls inside a database transaction (HTTP_CLIENT_TRANSACTION_GUARD). */
  guard?: () => string | undefined;
}

interface TwilioRequestOptions {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: Record<string, unknown>;
  timeout?: number;
}

function toForm(data: Record<string, unknown> | undefined): URLSearchParams {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(data ?? {})) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) form.append(key, String(item));
    else form.append(key, String(value));
  }
  return form;
}

/**
 * Twilio's SDK takes a custom HTTP client (its documented `httpClient` option): ours sends through
 * platform/http-client to the configured base URL. No automatic retries here: Twilio documents that
 * a retried message POST may send twice.
 */
function createTwilioHttpClient(endpoints: TwilioEndpoints, http: HttpClient) {
  const base = new URL(endpoints.apiBaseUrl);
  return {
    async request(options: TwilioRequestOptions) {
      const target = new URL(options.uri);
      target.protocol = base.protocol;
      target.host = base.host;
      target.pathname = `${base.pathname.replace(/\/$/, '')}${target.pathname}`;
      for (const [key, value] of Object.entries(options.params ?? {})) target.searchParams.set(key, String(value));
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.username) headers['Authorization'] = `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
      const method = options.method.toUpperCase() as 'GET' | 'POST' | 'DELETE';
      const response = await http.send({
        method,
        url: target.toString(),
        headers,
        endpoint: `${method} twilio ${target.pathname.replace(/AC[0-9a-fA-F]{32}/, '{AccountSid}').replace(/SM[0-9a-fA-F]{32}/, '{Sid}')}`,
        ...(method === 'POST' ? { body: toForm(options.data).toString() } : {}),
        timeoutMs: options.timeout ?? endpoints.timeoutMs,
      });
      return { statusCode: response.status, body: response.text, headers: Object.fromEntries(response.headers.entries()) };
    },
  };
}

interface TwilioRestError extends Error {
  status?: number;
  code?: number;
  moreInfo?: string;
}

export function createTwilioSmsTransport(endpoints: TwilioEndpoints): SmsTransport {
  const http = createHttpClient({
    defaultTimeoutMs: endpoints.timeoutMs,
    retry: { maxRetries: 0, baseDelayMs: 0, maxDelayMs: 0, maxRateLimitWaits: 0 },
    ...(endpoints.guard ? { guard: endpoints.guard } : {}),
  });
  const httpClient = createTwilioHttpClient(endpoints, http);
  const clients = new Map<string, ReturnType<typeof twilio>>();
  const clientFor = (account: SmsAccount) => {
    const key = `${account.accountSid}:${account.authToken}`;
    let client = clients.get(key);
    if (!client) {
      client = twilio(account.accountSid, account.authToken, { httpClient: httpClient as never, autoRetry: false });
      clients.set(key, client);
    }
    return client;
  };
  return {
    provider: 'twilio',
    isIdempotent: false,
    async send(account: SmsAccount, sms: OutgoingSms): Promise<ProviderOutcome> {
      try {
        const message = await clientFor(account).messages.create({ to: sms.to, from: sms.from, body: sms.body, statusCallback: sms.statusCallbackUrl });
        return { kind: 'sent', providerMessageId: message.sid };
      } catch (error) {
        if (error instanceof HttpTimeoutError) return { kind: 'in_doubt', reason: `twilio: ${error.message}` };
        if (error instanceof HttpNetworkError) {
          return error.socketCode === 'ECONNREFUSED' ? { kind: 'retry', reason: `twilio unreachable: ${error.message}` } : { kind: 'in_doubt', reason: `twilio: ${error.message}` };
        }
        const failure = error as TwilioRestError;
        const status = failure.status ?? 0;
        const reason = `twilio ${status} ${failure.code ?? ''}: ${failure.message}`.replace(/\s+/g, ' ');
        if (failure.code === 21211 || failure.code === 21614) return { kind: 'rejected', reason: `invalid_phone: ${reason}` };
        if (failure.code === 21610) return { kind: 'rejected', reason: `sms_opted_out: ${reason}` };
        if (status === 401 || failure.code === 20003) return { kind: 'rejected', reason: `auth_failed: ${reason}` };
        if (status === 429 || failure.code === 20429) return { kind: 'retry', reason };
        // Twilio: a 5xx on a message POST may still have sent it.
        if (status >= 500) return { kind: 'in_doubt', reason };
        return { kind: 'rejected', reason };
      }
    },
  };
}

/** The official SDK's check of X-Twilio-Signature (HMAC-SHA1 of the URL and the sorted POST params). */
export const verifyTwilioSignature: TwilioSignatureCheck = (authToken, signature, url, params) => twilio.validateRequest(authToken, signature, url, params);
