import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A message one of the fakes accepted (what the real provider would have sent on). */
export interface CapturedProviderMessage {
  id: string;
  channel: 'email' | 'sms';
  provider: 'smtp' | 'sendgrid' | 'resend' | 'twilio';
  from: string;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  /** Our delivery id, read from where Switchboard puts it (header, custom_args, tags, callback URL). */
  deliveryId: string | null;
  capturedAt: string;
}

export type FaultKind = 'rate_limit' | 'auth' | 'server_error';
export type FakeProvider = CapturedProviderMessage['provider'];

/** State shared by the fakes: the inbox, injected faults, a response delay and capture listeners. */
export class FakeState {
  readonly captured: CapturedProviderMessage[] = [];
  private readonly faults = new Map<FakeProvider, { kind: FaultKind; remaining: number }>();
  private readonly listeners = new Set<(message: CapturedProviderMessage) => void>();
  /** Requests answered per provider and outcome (e.g. `resend idempotent_replay`). */
  readonly counts = new Map<string, number>();
  responseDelayMs = 0;

  capture(message: CapturedProviderMessage): void {
    this.captured.push(message);
    for (const listener of this.listeners) listener(message);
  }

  onCapture(listener: (message: CapturedProviderMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  injectFault(provider: FakeProvider, kind: FaultKind, times: number): void {
    this.faults.set(provider, { kind, remaining: times });
  }

  /** Takes the pending fault of this provider when it is of `kind` (an auth check must not use up a rate limit). */
  takeFaultOf(provider: FakeProvider, kind: FaultKind): boolean {
    const fault = this.faults.get(provider);
    if (!fault || fault.remaining <= 0 || fault.kind !== kind) return false;
    fault.remaining -= 1;
    return true;
  }

  takeFault(provider: FakeProvider): FaultKind | undefined {
    const fault = this.faults.get(provider);
    if (!fault || fault.remaining <= 0) return undefined;
    fault.remaining -= 1;
    return fault.kind;
  }

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  async delay(): Promise<void> {
    if (this.responseDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.responseDelayMs));
  }
}

export async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(body === undefined ? '' : JSON.stringify(body));
}

export function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : undefined;
}

/** Twilio's request signature: HMAC-SHA1 (auth token) of the URL followed by each POST param name and value, sorted by name. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((text, key) => text + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** Standard Webhooks / svix signature (what Resend signs its events with). */
export function svixSignature(secret: string, id: string, timestampSeconds: number, body: string): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}

/** Fire-and-forget POST from a fake to the app (callbacks); failures are counted, as a provider would log them. */
export async function postCallback(state: FakeState, url: string, body: string, headers: Record<string, string>): Promise<void> {
  try {
    const response = await fetch(url, { method: 'POST', headers, body });
    state.count(`callback ${response.status}`);
  } catch {
    state.count('callback network_error');
  }
}
