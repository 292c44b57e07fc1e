import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { FakeState, sendJson, type CapturedProviderMessage, type FakeProvider, type FaultKind } from './fake-kit.js';
import { createResendFake } from './resend-fake.js';
import { handleSendgrid } from './sendgrid-fake.js';
import { createTwilioFake } from './twilio-fake.js';

export type { CapturedProviderMessage, FakeProvider, FaultKind } from './fake-kit.js';

/**
 * Local stand-ins for the notification providers, speaking their wire formats so the official SDKs
 * reach them through their base-URL settings: an SMTP capture server (smtp-server), and one HTTP
 * server answering SendGrid's `/v3/mail/send`, Resend's `/emails` and Twilio's Messages API.
 */
export interface ProviderFakesOptions {
  host?: string;
  /** 0 = any free port. */
  httpPort?: number;
  smtpPort?: number;
  /** Where Twilio's incoming-message webhook and Resend's events go (settable later: the app may listen after the fakes start). */
  twilioInboundUrl?: string;
  resendEventsUrl?: string;
  /** Seeds the credentials, so a restart keeps them. */
  seed?: string;
}

export interface ProviderFakes {
  httpBaseUrl: string;
  smtp: { host: string; port: number };
  sendgridApiKey: string;
  resendApiKey: string;
  resendWebhookSecret: string;
  twilio: { accountSid: string; authToken: string; from: string };
  listCaptured(): CapturedProviderMessage[];
  onCapture(listener: (message: CapturedProviderMessage) => void): () => void;
  clearCaptured(): void;
  /** The next `times` requests to this provider fail this way (SMTP: rate_limit = 421, server_error = 451, auth = 535). */
  injectFault(provider: FakeProvider, kind: FaultKind, times: number): void;
  /** Answer every accepted request only after this delay (the message is captured at once). */
  setResponseDelay(ms: number): void;
  setTwilioInboundUrl(url: string | undefined): void;
  setResendEventsUrl(url: string | undefined): void;
  /** Someone texts our number (STOP, START…); answers the status of the webhook call. */
  sendInboundSms(input: { from: string; to: string; body: string }): Promise<number>;
  counts(): Record<string, number>;
  close(): Promise<void>;
}

function derive(seed: string, label: string, bytes: number): string {
  return Buffer.from(
    Array.from({ length: bytes }, (_value, index) => (seed.charCodeAt(index % seed.length) * 31 + label.charCodeAt(index % label.length) * 17 + index * 7) % 256),
  ).toString('hex');
}

export async function startProviderFakes(options: ProviderFakesOptions = {}): Promise<ProviderFakes> {
  const host = options.host ?? '127.0.0.1';
  const seed = options.seed ?? randomBytes(8).toString('hex');
  const state = new FakeState();
  const sendgridApiKey = `SG.sandbox.${derive(seed, 'sendgrid', 12)}`;
  const resendApiKey = `re_sandbox_${derive(seed, 'resend', 12)}`;
  const resendWebhookSecret = `whsec_${Buffer.from(derive(seed, 'resend-events', 24), 'hex').toString('base64')}`;
  const twilio = { accountSid: `AC${derive(seed, 'twilio-sid', 16)}`, authToken: derive(seed, 'twilio-token', 16), from: '+15005550006' };
  let twilioInboundUrl = options.twilioInboundUrl;
  let resendEventsUrl = options.resendEventsUrl;
  const resend = createResendFake(state, { apiKeys: new Set([resendApiKey]), eventsSecret: resendWebhookSecret, eventsUrl: () => resendEventsUrl });
  const twilioFake = createTwilioFake(state, { accounts: new Map([[twilio.accountSid, twilio.authToken]]), inboundUrl: () => twilioInboundUrl });

  const http: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    void (async () => {
      try {
        if (await handleSendgrid(state, { apiKeys: new Set([sendgridApiKey]) }, request, response, path)) return;
        if (await resend(request, response, path)) return;
        if (await twilioFake.handleTwilio(request, response, path)) return;
        if (path === '/_fakes/messages' && request.method === 'GET') return void sendJson(response, 200, state.captured);
        sendJson(response, 404, { message: `The fakes have no route ${request.method ?? ''} ${path}` });
      } catch (error) {
        if (!response.headersSent) sendJson(response, 500, { message: error instanceof Error ? error.message : String(error) });
      }
    })();
  });
  http.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.httpPort ?? 0, host, () => resolve());
  });
  const httpPort = (http.address() as AddressInfo).port;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'Switchboard SMTP capture',
    logger: false,
    onAuth(_auth, _session, callback) {
      if (state.takeFaultOf('smtp', 'auth')) return callback(Object.assign(new Error('5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
      callback(null, { user: 'sandbox' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        void (async () => {
          const fault = state.takeFault('smtp');
          if (fault === 'rate_limit') return callback(Object.assign(new Error('4.7.0 Too many messages, slow down'), { responseCode: 421 }));
          if (fault === 'server_error') return callback(Object.assign(new Error('4.3.0 Temporary server error'), { responseCode: 451 }));
          const raw = Buffer.concat(chunks);
          const parsed = await PostalMime.parse(raw);
          const headers = Object.fromEntries(parsed.headers.map((header) => [header.key, header.value]));
          const recipients = session.envelope.rcptTo.map((address) => address.address);
          for (const to of recipients) {
            state.capture({
              id: `smtp_${parsed.messageId ?? randomBytes(8).toString('hex')}_${to}`,
              channel: 'email',
              provider: 'smtp',
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to,
              subject: parsed.subject ?? null,
              text: parsed.text ?? '',
              html: parsed.html ?? null,
              headers,
              deliveryId: headers['x-switchboard-delivery'] ?? null,
              capturedAt: new Date().toISOString(),
            });
          }
          state.count('smtp 250');
          await state.delay();
          callback(null, 'Message captured');
        })().catch((error: unknown) => callback(error instanceof Error ? error : new Error(String(error))));
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.server.once('error', reject);
    smtp.listen(options.smtpPort ?? 0, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  return {
    httpBaseUrl: `http://${host}:${httpPort}`,
    smtp: { host, port: smtpPort },
    sendgridApiKey,
    resendApiKey,
    resendWebhookSecret,
    twilio,
    listCaptured: () => [...state.captured],
    onCapture: (listener) => state.onCapture(listener),
    clearCaptured: () => void state.captured.splice(0),
    injectFault: (provider, kind, times) => state.injectFault(provider, kind, times),
    setResponseDelay: (ms) => void (state.responseDelayMs = ms),
    setTwilioInboundUrl: (url) => void (twilioInboundUrl = url),
    setResendEventsUrl: (url) => void (resendEventsUrl = url),
    sendInboundSms: (input) => twilioFake.sendInbound({ ...input, accountSid: twilio.accountSid }),
    counts: () => Object.fromEntries(state.counts),
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    },
  };
}
