import type { HttpClient, HttpResponse } from '../../../platform/http-client/index.js';

/** `Version` header per API family (ghl-api.md §1.1); /oauth/token takes none. */
export const GHL_VERSIONS = {
  default: '2021-07-28',
  calendars: '2021-04-15',
  conversations: '2021-04-15',
} as const;

export type GhlFamily = keyof typeof GHL_VERSIONS;

/** Whose token a call uses: GHL budgets rate limits per app per location or company. */
export type GhlSubject = { kind: 'location'; ghlLocationId: string } | { kind: 'company'; ghlCompanyId: string };

export function subjectKey(subject: GhlSubject): string {
  return subject.kind === 'location' ? `location:${subject.ghlLocationId}` : `company:${subject.ghlCompanyId}`;
}

export interface GhlError {
  status: number;
  /**
   * Stable code for callers: not_found, unauthorized, forbidden, validation, rate_limited, server_error,
   * bad_request, network; no_access when no usable token exists (uninstalled or re-authorisation needed).
   */
  code: 'not_found' | 'unauthorized' | 'forbidden' | 'validation' | 'rate_limited' | 'server_error' | 'bad_request' | 'network' | 'no_access';
  message: string;
  traceId: string | undefined;
}

/**
 * GHL refused the request for a reason a retry cannot fix (validation, a missing record, a taken
 * slot). Rate limits, timeouts, 401 (refreshed by the client) and 5xx are worth retrying.
 */
export function isRefusal(error: GhlError): boolean {
  return error.code !== 'no_access' && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429 && error.status !== 401;
}

export function describeGhlError(error: GhlError): string {
  return `GHL answered ${error.status} (${error.code}): ${error.message}`;
}

/**
 * The token source has no usable token for the subject (never installed, uninstalled, or GHL asks
 * for a new authorisation): no request is sent, and the call answers `no_access`.
 */
export class GhlAccessUnavailableError extends Error {}

export type GhlResult<T> = { ok: true; data: T; status: number } | { ok: false; error: GhlError };

/** GHL's `message` is a string or (422) an array of strings; `error` and `detail` appear too (§8). */
export function readGhlError(response: HttpResponse): GhlError {
  let message = `HTTP ${response.status}`;
  let traceId: string | undefined;
  try {
    const body = JSON.parse(response.text) as { message?: unknown; error?: unknown; detail?: unknown; traceId?: unknown };
    const raw = body.message ?? body.error ?? body.detail;
    if (Array.isArray(raw)) message = raw.map(String).join('; ');
    else if (typeof raw === 'string') message = raw;
    if (typeof body.traceId === 'string') traceId = body.traceId;
  } catch {
    // Non-JSON error bodies keep the status line as the message.
  }
  return { status: response.status, code: codeOf(response.status), message, traceId };
}

function codeOf(status: number): GhlError['code'] {
  if (status === 404) return 'not_found';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 422) return 'validation';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

export function readRateLimitHeaders(headers: Headers) {
  const number = (name: string) => {
    const value = headers.get(name);
    if (value === null) return undefined;
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  };
  return {
    remainingInWindow: number('x-ratelimit-remaining'),
    windowMs: number('x-ratelimit-interval-milliseconds'),
    remainingToday: number('x-ratelimit-daily-remaining'),
  };
}

export interface GhlHttpDeps {
  http: HttpClient;
  apiBaseUrl: string;
  clientId: string;
}

export function buildUrl(baseUrl: string, path: string, query?: Record<string, string | number | boolean | undefined>): string {
  // Relative resolution keeps any path prefix of the base URL (a proxy or the sandbox mounted under one).
  const url = new URL(path.replace(/^\//, ''), baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  if (query) {
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, String(value));
  }
  return url.toString();
}
