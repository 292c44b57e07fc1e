import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SandboxHandle } from './sandbox.types.js';

/** Helpers for tests and benchmarks: finish OAuth without a browser, receive and verify webhooks. */

export interface TokenResponse {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  userType: 'Company' | 'Location';
  companyId: string;
  locationId?: string;
  userId: string;
  scope: string;
  [key: string]: unknown;
}

export interface AuthorizeOptions {
  userType?: 'Location' | 'Company';
  locationIds?: string[];
  scope?: string;
  state?: string;
  redirectUri?: string;
}

/** Approves the consent screen and exchanges the code, like a user clicking through and the app's callback. */
export async function authorizeApp(sandbox: SandboxHandle, options: AuthorizeOptions = {}): Promise<TokenResponse> {
  const redirectUri = options.redirectUri ?? 'http://127.0.0.1:9/oauth/callback';
  const form = new URLSearchParams({ client_id: sandbox.clientId, redirect_uri: redirectUri, user_type: options.userType ?? 'Location', companyId: sandbox.companyId });
  if (options.state) form.set('state', options.state);
  if (options.scope) form.set('scope', options.scope);
  const locationIds = options.locationIds ?? (options.userType === 'Company' ? [] : sandbox.locationIds.slice(0, 1));
  for (const locationId of locationIds) form.append('locationIds', locationId);
  const approval = await fetch(`${sandbox.baseUrl}/oauth/chooselocation/approve`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  const location = approval.headers.get('location');
  if (approval.status !== 302 || !location) throw new Error(`consent approval failed: ${approval.status} ${await approval.text()}`);
  const code = new URL(location).searchParams.get('code');
  if (!code) throw new Error('no code in the redirect');
  return exchangeToken(sandbox, { grant_type: 'authorization_code', code, redirect_uri: redirectUri });
}

export async function exchangeToken(sandbox: SandboxHandle, fields: Record<string, string>): Promise<TokenResponse> {
  const response = await fetch(`${sandbox.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: sandbox.clientId, client_secret: sandbox.clientSecret, ...fields }).toString(),
  });
  if (response.status !== 200) throw new Error(`token exchange failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as TokenResponse;
}

export interface ReceivedWebhook {
  rawBody: Buffer;
  body: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  isEd25519Valid: boolean;
  isRsaValid: boolean | undefined;
}

export interface WebhookReceiver {
  url: string;
  received: ReceivedWebhook[];
  /** Status to answer; a function can answer per delivery (e.g. 429 the first time). */
  respondWith: number | ((webhook: ReceivedWebhook) => number);
  waitFor: (predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs?: number) => Promise<ReceivedWebhook[]>;
  close: () => Promise<void>;
}

/** A local webhook endpoint that verifies the signatures it gets (Ed25519; RSA when the sandbox sends it) over the raw bytes, as the app must. */
export async function startWebhookReceiver(publicKeys: { ed25519Pem: string; rsaPem: string }, options: { verify?: boolean } = {}): Promise<WebhookReceiver> {
  const ed25519Key: KeyObject = createPublicKey(publicKeys.ed25519Pem);
  const rsaKey: KeyObject = createPublicKey(publicKeys.rsaPem);
  const shouldVerify = options.verify ?? true;
  const received: ReceivedWebhook[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const ed25519Header = request.headers['x-ghl-signature'];
      const rsaHeader = request.headers['x-wh-signature'];
      const webhook: ReceivedWebhook = {
        rawBody,
        body: shouldVerify ? (JSON.parse(rawBody.toString('utf8')) as Record<string, unknown>) : {},
        headers: request.headers,
        isEd25519Valid: shouldVerify && typeof ed25519Header === 'string' && verify(null, rawBody, ed25519Key, Buffer.from(ed25519Header, 'base64')),
        isRsaValid: shouldVerify && typeof rsaHeader === 'string' ? verify('sha256', rawBody, rsaKey, Buffer.from(rsaHeader, 'base64')) : undefined,
      };
      received.push(webhook);
      const status = typeof receiver.respondWith === 'function' ? receiver.respondWith(webhook) : receiver.respondWith;
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end('{}');
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}/webhooks/ghl`,
    received,
    respondWith: 200,
    waitFor: async (predicate, timeoutMs = 5000) => {
      const deadlineMs = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadlineMs) throw new Error(`webhook wait timed out; got ${received.length}: ${received.map((webhook) => String(webhook.body['type'])).join(', ')}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return received;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return receiver;
}

/** Minimal GHL REST caller with the right Version header per path. */
export async function callGhl(
  sandbox: SandboxHandle,
  accessToken: string | undefined,
  method: string,
  pathWithQuery: string,
  body?: unknown,
  version?: string | null,
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (accessToken) headers['authorization'] = `Bearer ${accessToken}`;
  const defaultVersion = pathWithQuery.startsWith('/calendars') || pathWithQuery.startsWith('/conversations') ? '2021-04-15' : '2021-07-28';
  if (version !== null) headers['version'] = version ?? defaultVersion;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${sandbox.baseUrl}${pathWithQuery}`, { method, headers, body: body === undefined ? null : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
}
