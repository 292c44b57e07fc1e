/**
 * What the notifications module needs from provider adapters (SMTP, SendGrid, Resend, Twilio). The
 * adapters (`providers/`, official SDKs) satisfy these structurally and src/main hands them over.
 */
export type EmailProviderName = 'smtp' | 'sendgrid' | 'resend';

/** One agency's (or the operator's default) email account. */
export type EmailAccount =
  | { provider: 'smtp'; host: string; port: number; user?: string | undefined; password?: string | undefined; secure: boolean }
  | { provider: 'sendgrid'; apiKey: string }
  | { provider: 'resend'; apiKey: string };

export interface OutgoingEmail {
  from: string;
  to: string;
  toName?: string | undefined;
  subject: string;
  text: string;
  html?: string | undefined;
  /** Extra headers (List-Unsubscribe, X-Switchboard-Delivery). */
  headers: Record<string, string>;
  /** Our delivery id: it travels with the message (header, custom_args, tags) so events find it again. */
  deliveryId: string;
  /** Sent where the provider honours one (Resend); the same on every retry of a delivery. */
  idempotencyKey: string;
}

/**
 * A provider call's outcome:
 * - sent: accepted, with the provider's message id;
 * - retry: refused for now (rate limit, 5xx): nothing was sent, try again later;
 * - rejected: refused for good (invalid number, auth failure, validation): do not retry;
 * - in_doubt: the request may have been processed (timeout, connection lost after sending).
 */
export type ProviderOutcome =
  | { kind: 'sent'; providerMessageId: string }
  | { kind: 'retry'; reason: string; retryAfterSeconds?: number | undefined }
  | { kind: 'rejected'; reason: string }
  | { kind: 'in_doubt'; reason: string };

export interface EmailTransport {
  readonly provider: EmailProviderName;
  /** The provider deduplicates on our idempotency key, so an in-doubt attempt may be sent again. */
  readonly isIdempotent: boolean;
  send(email: OutgoingEmail): Promise<ProviderOutcome>;
}

export interface EmailTransports {
  /** A transport for this account (adapters cache them: SMTP pools connections). */
  forAccount(account: EmailAccount): EmailTransport;
  close(): Promise<void>;
}

export interface SmsAccount {
  accountSid: string;
  authToken: string;
}

export interface OutgoingSms {
  from: string;
  to: string;
  body: string;
  /** Where Twilio posts signed status callbacks (sent, delivered, undelivered, failed). */
  statusCallbackUrl: string;
  deliveryId: string;
}

export interface SmsTransport {
  readonly provider: 'twilio';
  /** Twilio's Messages API takes no idempotency key (its docs say a retried POST may send twice). */
  readonly isIdempotent: boolean;
  send(account: SmsAccount, sms: OutgoingSms): Promise<ProviderOutcome>;
}

/** Checks Twilio's X-Twilio-Signature on a callback (status or inbound message). */
export type TwilioSignatureCheck = (authToken: string, signature: string, url: string, params: Record<string, string>) => boolean;

/** Captured messages of the local provider fakes (sandbox mode only). */
export interface CapturedMessage {
  id: string;
  channel: 'email' | 'sms';
  provider: string;
  from: string;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  headers: Record<string, string>;
  /** Our delivery id when the message carried it. */
  deliveryId: string | null;
  capturedAt: string;
}

export interface CapturedMessagesSource {
  listCaptured(): CapturedMessage[];
}
