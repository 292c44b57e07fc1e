import { RateGovernor, type RateBudget, type ServerRateState } from './rate-governor.js';

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  timeoutMs?: number;
  /** Budget key (e.g. `ghl:<clientId>:<locationId>`); requests without one are not governed. */
  rateKey?: string;
  /** Label for metrics, e.g. `GET /contacts/{id}`; never the raw URL (it may hold ids or secrets). */
  endpoint: string;
}

export interface HttpResponse {
  status: number;
  headers: Headers;
  text: string;
}

export interface RetryPolicy {
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How many times a 429 is waited out before it is returned to the caller. */
  maxRateLimitWaits: number;
}

export interface CallRecord {
  endpoint: string;
  status: number | 'network_error' | 'timeout';
  durationMs: number;
  attempt: number;
}

/** One request as sent and the answer to it (every attempt, including retries). */
export interface HttpExchange {
  request: HttpRequest;
  attempt: number;
  /** Undefined when no answer came (network error or timeout). */
  response: HttpResponse | undefined;
}

export class HttpTimeoutError extends Error {
  constructor(readonly endpoint: string, readonly timeoutMs: number) {
    super(`${endpoint} timed out after ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

export class HttpNetworkError extends Error {
  /** The socket error's code (ECONNREFUSED, ECONNRESET…) when the runtime gave one. */
  get socketCode(): string | undefined {
    let current: unknown = this.cause;
    for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
      const code = (current as { code?: unknown }).code;
      if (typeof code === 'string') return code;
      current = current.cause;
    }
    return undefined;
  }

  constructor(readonly endpoint: string, cause: unknown) {
    super(`${endpoint} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'HttpNetworkError';
  }
}

/** The guard refused the call before anything was sent. */
export class HttpCallRefusedError extends Error {
  constructor(readonly endpoint: string, readonly reason: string) {
    super(`${endpoint} was not sent: ${reason}`);
    this.name = 'HttpCallRefusedError';
  }
}

export interface HttpClientOptions {
  defaultTimeoutMs: number;
  retry: RetryPolicy;
  rateBudget?: RateBudget;
  /** Reads X-RateLimit-* style headers into the governor's terms. */
  readRateHeaders?: (headers: Headers) => ServerRateState;
  onCall?: (record: CallRecord) => void;
  /**
   * Told of every attempt with the request as sent and its answer. Observes only (contract checks of
   * what the product really sends); it cannot change either.
   */
  onExchange?: (exchange: HttpExchange) => void;
  /**
   * Asked before every request; a reason refuses the call with HttpCallRefusedError. Wiring uses it to
   * refuse calls made while a database transaction is open (a slow far side would hold the transaction).
   */
  guard?: () => string | undefined;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export interface HttpClient {
  send(request: HttpRequest): Promise<HttpResponse>;
  readonly governor: RateGovernor | undefined;
  /** Counts of calls by endpoint and status since start. */
  callCounts(): Map<string, number>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The only place that calls fetch. Timeouts on every call; network errors and 5xx are retried with
 * full-jitter exponential backoff; 429s are waited out via the rate governor; other 4xx are returned
 * at once (retrying them cannot help and may repeat a side effect).
 */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const governor = options.rateBudget ? new RateGovernor(options.rateBudget) : undefined;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const counts = new Map<string, number>();
  const record = (entry: CallRecord) => {
    const key = `${entry.endpoint} ${entry.status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    options.onCall?.(entry);
  };
  const backoffMs = (attempt: number) => {
    const ceiling = Math.min(options.retry.maxDelayMs, options.retry.baseDelayMs * 2 ** attempt);
    return Math.round(random() * ceiling);
  };

  async function sendOnce(request: HttpRequest, attempt: number): Promise<HttpResponse> {
    const timeoutMs = request.timeoutMs ?? options.defaultTimeoutMs;
    const startedAt = performance.now();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const init: RequestInit = { method: request.method, signal: controller.signal };
      if (request.headers) init.headers = request.headers;
      if (request.body !== undefined) init.body = request.body;
      const response = await fetch(request.url, init);
      const text = await response.text();
      record({ endpoint: request.endpoint, status: response.status, durationMs: performance.now() - startedAt, attempt });
      const answer = { status: response.status, headers: response.headers, text };
      options.onExchange?.({ request, attempt, response: answer });
      return answer;
    } catch (error) {
      const isTimeout = controller.signal.aborted;
      record({ endpoint: request.endpoint, status: isTimeout ? 'timeout' : 'network_error', durationMs: performance.now() - startedAt, attempt });
      options.onExchange?.({ request, attempt, response: undefined });
      throw isTimeout ? new HttpTimeoutError(request.endpoint, timeoutMs) : new HttpNetworkError(request.endpoint, error);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    governor,
    callCounts: () => new Map(counts),
    async send(request) {
      const refusal = options.guard?.();
      if (refusal !== undefined) throw new HttpCallRefusedError(request.endpoint, refusal);
      let failures = 0;
      let rateLimitWaits = 0;
      for (let attempt = 1; ; attempt += 1) {
        if (governor && request.rateKey) await governor.acquire(request.rateKey);
        let response: HttpResponse;
        try {
          response = await sendOnce(request, attempt);
        } catch (error) {
          if (failures >= options.retry.maxRetries) throw error;
          await sleep(backoffMs(failures));
          failures += 1;
          continue;
        }
        const isRateLimited = response.status === 429;
        if (governor && request.rateKey && options.readRateHeaders) {
          governor.observe(request.rateKey, options.readRateHeaders(response.headers), isRateLimited);
        }
        if (isRateLimited) {
          if (rateLimitWaits >= options.retry.maxRateLimitWaits) return response;
          rateLimitWaits += 1;
          if (!governor || !request.rateKey) await sleep(readRetryAfterMs(response.headers) ?? backoffMs(rateLimitWaits));
          continue;
        }
        if (response.status >= 500 && failures < options.retry.maxRetries) {
          await sleep(backoffMs(failures));
          failures += 1;
          continue;
        }
        return response;
      }
    },
  };
}

function readRetryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) ? seconds * 1000 : undefined;
}
