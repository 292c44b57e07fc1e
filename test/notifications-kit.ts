import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startProviderFakes, type ProviderFakes } from '../src/sandbox/providers/index.js';
import { bearer, createTestApp, type TestApp } from './support/test-app.js';
import { findFreePort, waitFor } from './support/spawn-service.js';

export interface ReceivedHook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A tenant's webhook receiver on this machine; `respond` decides each answer. */
export interface HookReceiver {
  url: string;
  received: ReceivedHook[];
  respond: (hook: ReceivedHook) => { status: number; headers?: Record<string, string> };
  close(): Promise<void>;
}

export async function startHookReceiver(): Promise<HookReceiver> {
  const receiver: HookReceiver = { url: '', received: [], respond: () => ({ status: 200 }), close: async () => undefined };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const hook = { path: request.url ?? '/', headers: request.headers, body };
      receiver.received.push(hook);
      const answer = receiver.respond(hook);
      response.writeHead(answer.status, answer.headers ?? {}).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return receiver;
}

export interface LiveNotifications {
  app: TestApp;
  fakes: ProviderFakes;
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * The app as `npm start` runs it in sandbox mode: listening on PUBLIC_URL (so Twilio's status
 * callbacks and Resend's events reach it), sending to the provider fakes, with the job runner on.
 */
export async function startLiveNotifications(options: { env?: Record<string, string>; emailProvider?: 'smtp' | 'sendgrid' | 'resend' } = {}): Promise<LiveNotifications> {
  const fakes = await startProviderFakes();
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const app = await createTestApp({ providerFakes: fakes, env: { PUBLIC_URL: baseUrl, PORT: String(port), ...options.env }, ...(options.emailProvider ? { emailProvider: options.emailProvider } : {}) });
  await app.app.listen({ host: '127.0.0.1', port });
  fakes.setTwilioInboundUrl(`${baseUrl}/api/notifications/providers/twilio/inbound`);
  fakes.setResendEventsUrl(`${baseUrl}/api/notifications/providers/resend/events`);
  app.jobs.start();
  return {
    app,
    fakes,
    baseUrl,
    async close() {
      await app.jobs.stop();
      await app.close();
      await fakes.close();
    },
  };
}

export interface DeliveryBody {
  id: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: number;
  reason: string | null;
  provider: string | null;
  providerMessageId: string | null;
  notBefore: string | null;
  resendOf: string | null;
  isResendable: boolean;
}

export async function getDelivery(app: TestApp, token: string, id: string): Promise<DeliveryBody> {
  const response = await app.app.inject({ method: 'GET', url: `/api/notifications/deliveries/${id}`, headers: bearer(token) });
  if (response.statusCode !== 200) throw new Error(`delivery ${id}: ${response.statusCode} ${response.body}`);
  return response.json<DeliveryBody>();
}

/** Polls a delivery until it reaches one of `statuses`. */
export async function waitForDelivery(app: TestApp, token: string, id: string, statuses: readonly string[], timeoutMs = 20_000): Promise<DeliveryBody> {
  return waitFor(
    async () => {
      const delivery = await getDelivery(app, token, id);
      return statuses.includes(delivery.status) ? delivery : undefined;
    },
    timeoutMs,
    `delivery ${id} to be ${statuses.join(' or ')}`,
  );
}

export async function send(app: TestApp, token: string, payload: Record<string, unknown>): Promise<DeliveryBody[]> {
  const response = await app.app.inject({ method: 'POST', url: '/api/notifications/send', headers: bearer(token), payload });
  if (response.statusCode !== 202) throw new Error(`send: ${response.statusCode} ${response.body}`);
  return response.json<{ deliveries: DeliveryBody[] }>().deliveries;
}
