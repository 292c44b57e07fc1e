import type { LookupAddress, LookupOneOptions } from 'node:dns';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { HttpCallRefusedError, HttpNetworkError, HttpTimeoutError, type CallRecord, type HttpRequest, type HttpResponse } from './http-client.js';
import { UrlNotAllowedError, type ResolvedAddress, type UrlGuard } from './url-guard.js';

export interface GuardedSenderOptions {
  guard: UrlGuard;
  defaultTimeoutMs: number;
  /** Redirects followed (each one checked again); more is a network error. */
  maxRedirects?: number;
  onCall?: (record: CallRecord) => void;
  /** As HttpClientOptions.guard: a reason refuses the call (e.g. a database transaction is open). */
  refuse?: () => string | undefined;
  /** Connections kept per pinned (host, address); default 128 pinned agents. */
  maxAgents?: number;
}

export interface GuardedSender {
  /**
   * One request to a tenant-configured URL: the host is resolved and checked, the connection goes
   * to the checked address, and every redirect is checked the same way. Throws UrlNotAllowedError
   * (nothing was sent to a refused address), HttpTimeoutError or HttpNetworkError. No retries:
   * callers (job handlers) own their retry schedule.
   */
  send(request: HttpRequest): Promise<HttpResponse & { url: string }>;
  close(): Promise<void>;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The pinned connection: undici connects through this lookup, which answers the address the guard
 * checked instead of asking DNS again. TLS still verifies the certificate against the host name.
 */
function pinnedLookup(address: ResolvedAddress) {
  return (_hostname: string, options: LookupOneOptions | { all: true }, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    if ((options as { all?: boolean }).all) callback(null, [{ address: address.address, family: address.family }]);
    else callback(null, address.address, address.family);
  };
}

export function createGuardedSender(options: GuardedSenderOptions): GuardedSender {
  const agents = new Map<string, Agent>();
  const maxAgents = options.maxAgents ?? 128;
  const maxRedirects = options.maxRedirects ?? 3;

  const agentFor = (hostname: string, address: ResolvedAddress): Dispatcher => {
    const key = `${hostname}|${address.address}`;
    const existing = agents.get(key);
    if (existing) {
      agents.delete(key);
      agents.set(key, existing);
      return existing;
    }
    const agent = new Agent({ connect: { lookup: pinnedLookup(address) }, keepAliveTimeout: 10_000, connections: 64 });
    agents.set(key, agent);
    if (agents.size > maxAgents) {
      const [oldestKey, oldest] = agents.entries().next().value as [string, Agent];
      agents.delete(oldestKey);
      void oldest.close();
    }
    return agent;
  };

  return {
    async send(request) {
      const refusal = options.refuse?.();
      if (refusal !== undefined) throw new HttpCallRefusedError(request.endpoint, refusal);
      let url = request.url;
      let method: string = request.method;
      let body = request.body;
      const timeoutMs = request.timeoutMs ?? options.defaultTimeoutMs;
      for (let redirects = 0; ; redirects += 1) {
        const checked = await options.guard.check(url);
        if (!checked.ok) throw new UrlNotAllowedError(checked.reason, checked.message);
        const startedAt = performance.now();
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), timeoutMs);
        let status: number;
        let headers: Headers;
        let text: string;
        try {
          const response = await undiciFetch(checked.url, {
            method,
            headers: request.headers ?? {},
            ...(body !== undefined ? { body: typeof body === 'string' ? body : body.toString() } : {}),
            redirect: 'manual',
            signal: controller.signal,
            dispatcher: agentFor(checked.hostname, checked.address),
          });
          status = response.status;
          headers = response.headers as unknown as Headers;
          text = await response.text();
        } catch (error) {
          const isTimeout = controller.signal.aborted;
          options.onCall?.({ endpoint: request.endpoint, status: isTimeout ? 'timeout' : 'network_error', durationMs: performance.now() - startedAt, attempt: 1 });
          throw isTimeout ? new HttpTimeoutError(request.endpoint, timeoutMs) : new HttpNetworkError(request.endpoint, error);
        } finally {
          clearTimeout(timer);
        }
        options.onCall?.({ endpoint: request.endpoint, status, durationMs: performance.now() - startedAt, attempt: 1 });
        const location = headers.get('location');
        if (!REDIRECT_STATUSES.has(status) || !location) return { status, headers, text, url };
        if (redirects >= maxRedirects) throw new HttpNetworkError(request.endpoint, new Error(`more than ${maxRedirects} redirects`));
        url = new URL(location, url).toString();
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
      }
    },
    async close() {
      const closing = [...agents.values()].map((agent) => agent.close());
      agents.clear();
      await Promise.all(closing);
    },
  };
}
