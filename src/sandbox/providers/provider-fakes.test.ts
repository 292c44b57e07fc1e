import { createRequire } from 'node:module';
import { Resend } from 'resend';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailTransports, createTwilioSmsTransport } from '../../modules/notifications/index.js';
import { twilioSignature } from './fake-kit.js';
import { startProviderFakes, type ProviderFakes } from './index.js';

// The official SDKs, pointed at the fakes only through their documented settings.
const require = createRequire(import.meta.url);
const SendgridClient = require('@sendgrid/client/src/classes/client') as new () => { setApiKey(key: string): void; setDefaultRequest(key: string, value: string): void };
const SendgridMailService = require('@sendgrid/mail/src/classes/mail-service') as new () => { setClient(client: unknown): void; send(data: Record<string, unknown>): Promise<[{ statusCode: number; headers: Record<string, string> }, unknown]> };

let fakes: ProviderFakes;
beforeAll(async () => {
  fakes = await startProviderFakes();
});
afterAll(async () => fakes.close());

function sendgrid(apiKey: string) {
  const client = new SendgridClient();
  client.setApiKey(apiKey);
  client.setDefaultRequest('baseUrl', `${fakes.httpBaseUrl}/`);
  const mail = new SendgridMailService();
  mail.setClient(client);
  return mail;
}

describe('SendGrid fake through @sendgrid/mail', () => {
  it('accepts a message with 202 and X-Message-Id, and answers SendGrid’s error shapes', async () => {
    const [accepted] = await sendgrid(fakes.sendgridApiKey).send({ to: 'a@example.com', from: 'b@example.com', subject: 'Hi', text: 'Body' });
    expect(accepted.statusCode).toBe(202);
    expect(accepted.headers['x-message-id']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await expect(sendgrid('SG.wrong').send({ to: 'a@example.com', from: 'b@example.com', subject: 'Hi', text: 'Body' })).rejects.toMatchObject({
      code: 401,
      response: { body: { errors: [{ message: 'The provided authorization grant is invalid, expired, or revoked', field: null }] } },
    });
    await expect(sendgrid(fakes.sendgridApiKey).send({ to: 'not-an-address', from: 'b@example.com', subject: 'Hi', text: 'Body' })).rejects.toMatchObject({
      code: 400,
      response: { body: { errors: [{ field: 'personalizations.0.to.0.email' }] } },
    });
    fakes.injectFault('sendgrid', 'rate_limit', 1);
    await expect(sendgrid(fakes.sendgridApiKey).send({ to: 'a@example.com', from: 'b@example.com', subject: 'Hi', text: 'Body' })).rejects.toMatchObject({
      code: 429,
      response: { headers: { 'x-ratelimit-remaining': '0' } },
    });
  });
});

describe('Resend fake through the resend SDK', () => {
  it('honours Idempotency-Key as Resend documents it, and answers its error shapes', async () => {
    const resend = new Resend(fakes.resendApiKey, { baseUrl: fakes.httpBaseUrl });
    const email = { from: 'Me <me@example.com>', to: ['you@example.com'], subject: 'Once', text: 'Only once' };
    const first = await resend.emails.send(email, { idempotencyKey: 'order-42' });
    const again = await resend.emails.send(email, { idempotencyKey: 'order-42' });
    expect(first.data?.id).toBeDefined();
    expect(again.data?.id).toBe(first.data?.id);
    expect(fakes.listCaptured().filter((message) => message.subject === 'Once')).toHaveLength(1);
    const changed = await resend.emails.send({ ...email, text: 'Different' }, { idempotencyKey: 'order-42' });
    expect(changed.error).toMatchObject({ statusCode: 409, name: 'invalid_idempotent_request' });
    const badKey = await new Resend('re_wrong', { baseUrl: fakes.httpBaseUrl }).emails.send(email);
    expect(badKey.error).toMatchObject({ statusCode: 403, name: 'invalid_api_key' });
    const invalid = await resend.emails.send({ ...email, to: ['nope'] });
    expect(invalid.error).toMatchObject({ statusCode: 422, name: 'validation_error' });
    fakes.injectFault('resend', 'rate_limit', 1);
    expect((await resend.emails.send(email)).error).toMatchObject({ statusCode: 429, name: 'rate_limit_exceeded' });
  });
});

describe('Twilio fake through the twilio SDK', () => {
  it('creates a message resource, and answers invalid number, authentication and rate-limit errors in Twilio’s shape', async () => {
    const transport = createTwilioSmsTransport({ apiBaseUrl: fakes.httpBaseUrl, timeoutMs: 5000 });
    const account = { accountSid: fakes.twilio.accountSid, authToken: fakes.twilio.authToken };
    const sms = { from: fakes.twilio.from, body: 'Hello', statusCallbackUrl: 'http://127.0.0.1:9/status?deliveryId=dlv_x', deliveryId: 'dlv_x' };
    const sent = await transport.send(account, { ...sms, to: '+16502530000' });
    expect(sent).toMatchObject({ kind: 'sent', providerMessageId: expect.stringMatching(/^SM[0-9a-f]{32}$/) });
    expect(await transport.send(account, { ...sms, to: '+15005550001' })).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('invalid_phone: twilio 400 21211') });
    expect(await transport.send({ ...account, authToken: 'wrong' }, { ...sms, to: '+16502530000' })).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('auth_failed') });
    fakes.injectFault('twilio', 'rate_limit', 1);
    expect(await transport.send(account, { ...sms, to: '+16502530000' })).toMatchObject({ kind: 'retry', reason: expect.stringContaining('20429') });
  });

  it('signs callbacks so that the SDK’s validateRequest accepts them', () => {
    const url = 'https://app.example.com/api/notifications/providers/twilio/status?deliveryId=dlv_1';
    const params = { MessageSid: 'SM1', MessageStatus: 'delivered', To: '+16502530000' };
    const signature = twilioSignature(fakes.twilio.authToken, url, params);
    expect(twilio.validateRequest(fakes.twilio.authToken, signature, url, params)).toBe(true);
  });
});

describe('SMTP capture through nodemailer', () => {
  it('captures the message with its headers, and answers 421 when told to throttle', async () => {
    const transports = createEmailTransports({ sendgridBaseUrl: fakes.httpBaseUrl, resendBaseUrl: fakes.httpBaseUrl, smtpPoolSize: 1 });
    try {
      const smtp = transports.forAccount({ provider: 'smtp', host: fakes.smtp.host, port: fakes.smtp.port, secure: false });
      const email = { from: 'me@example.com', to: 'you@example.com', subject: 'Über', text: 'Grüße', html: '<p>Grüße</p>', headers: { 'X-Switchboard-Delivery': 'dlv_smtp' }, deliveryId: 'dlv_smtp', idempotencyKey: 'dlv_smtp' };
      expect(await smtp.send(email)).toMatchObject({ kind: 'sent', providerMessageId: '<dlv_smtp@switchboard.invalid>' });
      const captured = fakes.listCaptured().find((message) => message.deliveryId === 'dlv_smtp');
      expect(captured).toMatchObject({ subject: 'Über', text: expect.stringContaining('Grüße'), html: expect.stringContaining('<p>Grüße</p>') });
      fakes.injectFault('smtp', 'rate_limit', 1);
      expect(await smtp.send({ ...email, deliveryId: 'dlv_smtp2' })).toMatchObject({ kind: 'retry', reason: expect.stringContaining('smtp 421') });
    } finally {
      await transports.close();
    }
  });
});
