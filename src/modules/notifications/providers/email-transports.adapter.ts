import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type sendgridMail from '@sendgrid/mail';
import type sendgridClient from '@sendgrid/client';
import { Resend } from 'resend';
import type { EmailAccount, EmailTransport, EmailTransports, OutgoingEmail, ProviderOutcome } from '../notification-ports.js';

/** Where the HTTP providers are: their real APIs, or the local fakes in sandbox mode and tests. */
export interface EmailProviderEndpoints {
  sendgridBaseUrl: string;
  resendBaseUrl: string;
  /** SMTP is reached at the account's host; tests and the sandbox point it at the capture server. */
  smtpPoolSize: number;
}

// @sendgrid/mail and @sendgrid/client export process-wide singletons; one agency's API key must not
// leak into another's send, so each account gets its own instances of the SDK's classes.
const require = createRequire(import.meta.url);
const SendgridMailService = require('@sendgrid/mail/src/classes/mail-service') as new () => typeof sendgridMail;
const SendgridClient = require('@sendgrid/client/src/classes/client') as new () => typeof sendgridClient;

function formatAddress(address: string, name: string | undefined): string {
  return name ? `"${name.replace(/["\\\r\n]/g, '')}" <${address}>` : address;
}

interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  command?: string;
  response?: string;
}

/** nodemailer (SMTP). No idempotency exists in SMTP: the Message-ID is ours, but servers do not dedupe on it. */
function createSmtpTransport(account: Extract<EmailAccount, { provider: 'smtp' }>, poolSize: number): EmailTransport & { close(): void } {
  const options: SMTPTransport.Options & { pool: true; maxConnections: number } = {
    host: account.host,
    port: account.port,
    secure: account.secure,
    pool: true,
    maxConnections: poolSize,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    ...(account.user ? { auth: { user: account.user, pass: account.password ?? '' } } : {}),
  };
  const transporter = nodemailer.createTransport(options);
  return {
    provider: 'smtp',
    isIdempotent: false,
    async send(email: OutgoingEmail): Promise<ProviderOutcome> {
      const messageId = `<${email.deliveryId}@switchboard.invalid>`;
      try {
        const info = await transporter.sendMail({
          from: email.from,
          to: formatAddress(email.to, email.toName),
          subject: email.subject,
          text: email.text,
          ...(email.html ? { html: email.html } : {}),
          headers: email.headers,
          messageId,
        });
        return { kind: 'sent', providerMessageId: String(info.messageId ?? messageId) };
      } catch (error) {
        const failure = error as NodemailerError;
        if (failure.code === 'EAUTH') return { kind: 'rejected', reason: `auth_failed: ${failure.response ?? failure.message}` };
        if (typeof failure.responseCode === 'number') {
          // 4xx: try later (greylisting, rate limits); 5xx: the server refused the message for good.
          if (failure.responseCode >= 500) return { kind: 'rejected', reason: `smtp ${failure.responseCode}: ${failure.response ?? failure.message}` };
          return { kind: 'retry', reason: `smtp ${failure.responseCode}: ${failure.response ?? failure.message}` };
        }
        // Nothing was handed over before the connection (or the greeting) failed.
        if (failure.code === 'ECONNECTION' || failure.code === 'EDNS' || failure.command === 'CONN') return { kind: 'retry', reason: `smtp connection failed: ${failure.message}` };
        return { kind: 'in_doubt', reason: `smtp: ${failure.message}` };
      }
    },
    close: () => transporter.close(),
  };
}

interface SendgridResponseError extends Error {
  code?: number;
  response?: { headers?: Record<string, string>; body?: { errors?: { message?: string; field?: string | null }[] } };
}

/** @sendgrid/mail on its own client, pointed at the configured base URL. SendGrid's v3 mail/send takes no idempotency key. */
function createSendgridTransport(apiKey: string, baseUrl: string): EmailTransport {
  const client = new SendgridClient();
  client.setApiKey(apiKey);
  // After setApiKey, which resets the base URL to the region's host.
  client.setDefaultRequest('baseUrl', baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  const mail = new SendgridMailService();
  mail.setClient(client);
  return {
    provider: 'sendgrid',
    isIdempotent: false,
    async send(email) {
      try {
        const [response] = await mail.send({
          to: { email: email.to, ...(email.toName ? { name: email.toName } : {}) },
          from: email.from,
          subject: email.subject,
          text: email.text,
          ...(email.html ? { html: email.html } : {}),
          headers: email.headers,
          customArgs: { delivery_id: email.deliveryId },
        });
        const messageId = (response.headers as Record<string, string | undefined>)['x-message-id'];
        return { kind: 'sent', providerMessageId: messageId ?? email.deliveryId };
      } catch (error) {
        const failure = error as SendgridResponseError;
        const status = typeof failure.code === 'number' ? failure.code : undefined;
        const message = failure.response?.body?.errors?.map((entry) => entry.message).join('; ') || failure.message;
        if (status === undefined) {
          const code = (error as { code?: unknown }).code;
          return code === 'ECONNREFUSED' ? { kind: 'retry', reason: `sendgrid unreachable: ${failure.message}` } : { kind: 'in_doubt', reason: `sendgrid: ${failure.message}` };
        }
        if (status === 429) {
          const reset = Number(failure.response?.headers?.['x-ratelimit-reset']);
          return { kind: 'retry', reason: `sendgrid rate limited: ${message}`, retryAfterSeconds: Number.isFinite(reset) ? Math.max(1, reset - Math.floor(Date.now() / 1000)) : undefined };
        }
        if (status === 401 || status === 403) return { kind: 'rejected', reason: `auth_failed: sendgrid ${status}: ${message}` };
        if (status >= 500) return { kind: 'retry', reason: `sendgrid ${status}: ${message}` };
        return { kind: 'rejected', reason: `sendgrid ${status}: ${message}` };
      }
    },
  };
}

/** resend SDK at the configured base URL; Resend honours Idempotency-Key (24 h), so an in-doubt send is retried with the same key. */
function createResendTransport(apiKey: string, baseUrl: string): EmailTransport {
  const resend = new Resend(apiKey, { baseUrl: baseUrl.replace(/\/$/, '') });
  return {
    provider: 'resend',
    isIdempotent: true,
    async send(email) {
      const { data, error } = await resend.emails.send(
        {
          from: email.from,
          to: [email.toName ? formatAddress(email.to, email.toName) : email.to],
          subject: email.subject,
          text: email.text,
          ...(email.html ? { html: email.html } : {}),
          headers: email.headers,
          tags: [{ name: 'delivery_id', value: email.deliveryId }],
        },
        { idempotencyKey: email.idempotencyKey },
      );
      if (data) return { kind: 'sent', providerMessageId: data.id };
      const status = (error as { statusCode?: number | null } | null)?.statusCode ?? null;
      const name = error?.name ?? 'application_error';
      const reason = `resend ${status ?? 'network'} ${name}: ${error?.message ?? 'no answer'}`;
      if (status === null) return { kind: 'in_doubt', reason };
      if (status === 429 || name === 'concurrent_idempotent_requests') return { kind: 'retry', reason };
      if (status === 401 || status === 403) return { kind: 'rejected', reason: `auth_failed: ${reason}` };
      if (status >= 500) return { kind: 'retry', reason };
      return { kind: 'rejected', reason };
    },
  };
}

/** Email transports by account, cached (SMTP pools stay open; SDK clients are reused). */
export function createEmailTransports(endpoints: EmailProviderEndpoints): EmailTransports {
  const cache = new Map<string, EmailTransport & { close?: () => void }>();
  return {
    forAccount(account) {
      const key = createHash('sha256').update(JSON.stringify(account)).digest('hex');
      let transport = cache.get(key);
      if (!transport) {
        switch (account.provider) {
          case 'smtp':
            transport = createSmtpTransport(account, endpoints.smtpPoolSize);
            break;
          case 'sendgrid':
            transport = createSendgridTransport(account.apiKey, endpoints.sendgridBaseUrl);
            break;
          case 'resend':
            transport = createResendTransport(account.apiKey, endpoints.resendBaseUrl);
            break;
        }
        cache.set(key, transport);
      }
      return transport;
    },
    async close() {
      for (const transport of cache.values()) transport.close?.();
      cache.clear();
    },
  };
}
