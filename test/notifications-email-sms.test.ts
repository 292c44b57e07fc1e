import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import { createAgency } from './support/factories.js';
import { bearer } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { getDelivery, send, startLiveNotifications, waitForDelivery, type LiveNotifications } from './notifications-kit.js';

let live: LiveNotifications;
beforeAll(async () => {
  live = await startLiveNotifications();
});
afterAll(async () => live.close());

const capturedFor = (deliveryId: string) => live.fakes.listCaptured().filter((message) => message.deliveryId === deliveryId);

describe('email through SMTP (nodemailer → the capture server)', () => {
  it('renders the agency template with escaped variables and records sent, provider id and usage', async () => {
    const agency = await createAgency(live.app);
    const saved = await live.app.app.inject({
      method: 'PUT',
      url: '/api/notifications/templates/order.shipped/email',
      headers: bearer(agency.token),
      payload: { subject: 'Order {{order.number}} shipped', text: 'Hi {{recipientName}}, {{note}}', html: '<p>Hi {{recipientName}}, {{note}}</p><p>{{{signature}}}</p>' },
    });
    expect(saved.statusCode).toBe(200);
    expect(saved.json().variables).toEqual(['order.number', 'recipientName', 'note', 'signature']);
    const [delivery] = await send(live.app, agency.token, {
      event: 'order.shipped',
      recipients: [{ email: 'grace@example.com', name: 'Grace' }],
      data: { order: { number: 'A-17' }, note: '<script>alert(1)</script>', signature: '<b>The team</b>' },
    });
    expect(delivery).toMatchObject({ channel: 'email', recipient: 'grace@example.com', status: 'queued' });
    const sent = await waitForDelivery(live.app, agency.token, delivery!.id, ['sent']);
    expect(sent).toMatchObject({ provider: 'smtp', attempts: 1, reason: null });
    expect(sent.providerMessageId).toContain(delivery!.id);
    const [message] = capturedFor(delivery!.id);
    expect(message).toMatchObject({ provider: 'smtp', to: 'grace@example.com', subject: 'Order A-17 shipped' });
    expect(message?.text).toContain('Hi Grace, <script>alert(1)</script>');
    expect(message?.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(message?.html).toContain('<b>The team</b>');
    // Transactional by default: no List-Unsubscribe.
    expect(message?.headers['list-unsubscribe']).toBeUndefined();
    const usage = await queryRows<{ channel: string; units: number; baseCostMillicents: number; markupBps: number }>(
      live.app.database.db,
      sql`select channel, units, base_cost_millicents::int as "baseCostMillicents", markup_bps as "markupBps" from notification_usage where delivery_id = ${delivery!.id}`,
    );
    expect(usage).toEqual([{ channel: 'email', units: 1, baseCostMillicents: 100, markupBps: 1500 }]);
  });

  it('previews a template through the API exactly as a send renders it', async () => {
    const agency = await createAgency(live.app);
    const response = await live.app.app.inject({
      method: 'POST',
      url: '/api/notifications/templates/preview',
      headers: bearer(agency.token),
      payload: { event: 'lead.assigned', channel: 'email', data: { name: 'A & B' }, template: { subject: 'Lead for {{name}}', text: 'Lead: {{name}} {{missing}}', html: '<p>{{name}}</p>' } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ subject: 'Lead for A & B', text: 'Lead: A & B ', html: '<p>A &amp; B</p>', missingVariables: ['missing'], sms: null });
    const sms = await live.app.app.inject({ method: 'POST', url: '/api/notifications/templates/preview', headers: bearer(agency.token), payload: { event: 'x.y', channel: 'sms', data: { message: 'é'.repeat(71) } } });
    expect(sms.json().sms).toEqual({ encoding: 'GSM-7', segments: 1, units: 71 });
    const ucs = await live.app.app.inject({ method: 'POST', url: '/api/notifications/templates/preview', headers: bearer(agency.token), payload: { event: 'x.y', channel: 'sms', data: { message: '€'.repeat(80) + '😀' } } });
    expect(ucs.json().sms).toEqual({ encoding: 'UCS-2', segments: 2, units: 82 });
  });

  it('marks non-transactional mail with List-Unsubscribe; the signed link works without login and later sends are skipped', async () => {
    const agency = await createAgency(live.app);
    const [first] = await send(live.app, agency.token, { event: 'report.weekly', isTransactional: false, recipients: [{ email: 'Reader@Example.com' }], data: { subject: 'Weekly', message: 'Numbers' } });
    await waitForDelivery(live.app, agency.token, first!.id, ['sent']);
    const [message] = capturedFor(first!.id);
    expect(message?.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const link = /<([^>]+)>/.exec(message?.headers['list-unsubscribe'] ?? '')?.[1] as string;
    expect(link).toMatch(new RegExp(`^${live.baseUrl}/api/notifications/unsubscribe\\?token=`));
    const path = link.slice(live.baseUrl.length);
    const page = await live.app.app.inject({ method: 'GET', url: path });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post"');
    // An invalid link shows a person a page and answers an API client the error envelope.
    const forgedPage = await live.app.app.inject({ method: 'GET', url: `${path}x`, headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(forgedPage.statusCode).toBe(400);
    expect(forgedPage.body).toContain('This unsubscribe link is not valid.');
    const forgedGet = await live.app.app.inject({ method: 'GET', url: `${path}x`, headers: { accept: 'application/json' } });
    expect(forgedGet.statusCode).toBe(400);
    expect(forgedGet.json().error.code).toBe('invalid_token');
    const forged = await live.app.app.inject({ method: 'POST', url: `${path}x` });
    expect(forged.statusCode).toBe(400);
    expect(forged.json().error.code).toBe('invalid_token');
    const oneClick = await live.app.app.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'List-Unsubscribe=One-Click' });
    expect(oneClick.statusCode).toBe(200);

    const [again] = await send(live.app, agency.token, { event: 'report.weekly', isTransactional: false, recipients: [{ email: 'reader@example.com' }], data: { subject: 'Weekly', message: 'Numbers' } });
    expect(await waitForDelivery(live.app, agency.token, again!.id, ['skipped'])).toMatchObject({ reason: 'unsubscribed' });
    const [receipt] = await send(live.app, agency.token, { event: 'order.receipt', recipients: [{ email: 'reader@example.com' }], data: { subject: 'Receipt', message: 'Paid' } });
    await waitForDelivery(live.app, agency.token, receipt!.id, ['sent']);
  });

  it('sends through SendGrid and Resend (official SDKs at the fakes) as chosen per agency, and applies Resend delivery events', async () => {
    const sendgridAgency = await createAgency(live.app);
    const configured = await live.app.app.inject({
      method: 'PUT',
      url: '/api/notifications/settings',
      headers: bearer(sendgridAgency.token),
      payload: { emailProvider: 'sendgrid', emailFrom: 'Agency <news@agency.test>', emailSecret: live.fakes.sendgridApiKey },
    });
    expect(configured.statusCode).toBe(200);
    expect(configured.json()).toMatchObject({ emailProvider: 'sendgrid', hasEmailSecret: true, markupEmailBps: 1500 });
    expect(configured.body).not.toContain(live.fakes.sendgridApiKey);
    const [viaSendgrid] = await send(live.app, sendgridAgency.token, { event: 'a.b', recipients: [{ email: 'one@example.com' }], data: { subject: 'S', message: 'M' } });
    const sentSendgrid = await waitForDelivery(live.app, sendgridAgency.token, viaSendgrid!.id, ['sent']);
    expect(sentSendgrid.provider).toBe('sendgrid');
    expect(capturedFor(viaSendgrid!.id)).toMatchObject([{ provider: 'sendgrid', from: 'news@agency.test', subject: 'S' }]);

    const resendAgency = await createAgency(live.app);
    await live.app.app.inject({ method: 'PUT', url: '/api/notifications/settings', headers: bearer(resendAgency.token), payload: { emailProvider: 'resend', emailFrom: 'news@agency.test', emailSecret: live.fakes.resendApiKey } });
    const [delivered, bounced] = await send(live.app, resendAgency.token, { event: 'a.b', recipients: [{ email: 'delivered@resend.dev' }, { email: 'bounced@resend.dev' }], data: { subject: 'S', message: 'M' } });
    expect(await waitForDelivery(live.app, resendAgency.token, delivered!.id, ['delivered'])).toMatchObject({ provider: 'resend' });
    expect(await waitForDelivery(live.app, resendAgency.token, bounced!.id, ['bounced'])).toMatchObject({ reason: expect.stringContaining('bounced') });
  });

  it('fails a delivery for good on an auth failure and retries a rate limit until it is sent', async () => {
    const agency = await createAgency(live.app);
    await live.app.app.inject({ method: 'PUT', url: '/api/notifications/settings', headers: bearer(agency.token), payload: { emailProvider: 'sendgrid', emailFrom: 'x@agency.test', emailSecret: 'SG.wrong-key' } });
    const [refused] = await send(live.app, agency.token, { event: 'a.b', recipients: [{ email: 'one@example.com' }], data: { subject: 'S', message: 'M' } });
    expect(await waitForDelivery(live.app, agency.token, refused!.id, ['failed'])).toMatchObject({ reason: expect.stringContaining('auth_failed') });

    await live.app.app.inject({ method: 'PUT', url: '/api/notifications/settings', headers: bearer(agency.token), payload: { emailProvider: 'resend', emailSecret: live.fakes.resendApiKey } });
    live.fakes.injectFault('resend', 'rate_limit', 1);
    const [limited] = await send(live.app, agency.token, { event: 'a.b', recipients: [{ email: 'two@example.com' }], data: { subject: 'S', message: 'M' } });
    const sent = await waitForDelivery(live.app, agency.token, limited!.id, ['sent', 'delivered'], 30_000);
    expect(live.fakes.counts()['resend 429']).toBeGreaterThanOrEqual(1);
    expect(sent.attempts).toBe(2);
    expect(capturedFor(limited!.id)).toHaveLength(1);
  });
});

describe('SMS through Twilio (official SDK → the fake)', () => {
  it('normalises the number to E.164, counts segments into usage, and follows signed status callbacks to delivered', async () => {
    const agency = await createAgency(live.app);
    const body = 'x'.repeat(200);
    const [delivery, invalid] = await send(live.app, agency.token, { event: 'lead.new', recipients: [{ phone: '(650) 253-0000' }, { phone: '12345' }], data: { message: body } });
    expect(delivery).toMatchObject({ channel: 'sms', recipient: '+16502530000', status: 'queued' });
    expect(invalid).toMatchObject({ channel: 'sms', status: 'failed', reason: expect.stringContaining('invalid_phone') });
    const delivered = await waitForDelivery(live.app, agency.token, delivery!.id, ['delivered']);
    expect(delivered.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(capturedFor(delivery!.id)).toMatchObject([{ provider: 'twilio', to: '+16502530000', from: live.fakes.twilio.from, text: body }]);
    const [usage] = await queryRows<{ units: number; baseCostMillicents: number; markupBps: number }>(
      live.app.database.db,
      sql`select units, base_cost_millicents::int as "baseCostMillicents", markup_bps as "markupBps" from notification_usage where delivery_id = ${delivery!.id}`,
    );
    expect(usage).toEqual({ units: 2, baseCostMillicents: 1660, markupBps: 2000 });
    const jobs = await queryRows<{ total: number }>(live.app.database.db, sql`select count(*)::int as total from jobs where idempotency_key = ${invalid!.id}`);
    expect(jobs[0]?.total).toBe(0);
  });

  it('an inbound STOP (signed webhook) opts the number out; later sends are skipped with the reason; START opts back in', async () => {
    const agency = await createAgency(live.app);
    const number = '+16502530001';
    expect(await live.fakes.sendInboundSms({ from: number, to: live.fakes.twilio.from, body: ' stop ' })).toBe(200);
    const [skipped] = await send(live.app, agency.token, { event: 'lead.new', recipients: [{ phone: number }], data: { message: 'hello' } });
    expect(await waitForDelivery(live.app, agency.token, skipped!.id, ['skipped'])).toMatchObject({ reason: expect.stringContaining('sms_opted_out') });
    expect(capturedFor(skipped!.id)).toHaveLength(0);

    const forged = await live.app.app.inject({
      method: 'POST',
      url: '/api/notifications/providers/twilio/inbound',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl' },
      payload: new URLSearchParams({ From: number, To: live.fakes.twilio.from, Body: 'START' }).toString(),
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json().error.code).toBe('signature_invalid');

    expect(await live.fakes.sendInboundSms({ from: number, to: live.fakes.twilio.from, body: 'START' })).toBe(200);
    const [sent] = await send(live.app, agency.token, { event: 'lead.new', recipients: [{ phone: number }], data: { message: 'hello again' } });
    await waitForDelivery(live.app, agency.token, sent!.id, ['delivered']);
  });

  it('refuses a status callback whose signature does not match', async () => {
    const agency = await createAgency(live.app);
    const [delivery] = await send(live.app, agency.token, { event: 'lead.new', recipients: [{ phone: '+16502530002' }], data: { message: 'hi' } });
    await waitForDelivery(live.app, agency.token, delivery!.id, ['delivered']);
    const forged = await live.app.app.inject({
      method: 'POST',
      url: `/api/notifications/providers/twilio/status?deliveryId=${delivery!.id}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'AAAA' },
      payload: 'MessageStatus=failed&ErrorCode=30003',
    });
    expect(forged.statusCode).toBe(401);
    expect((await getDelivery(live.app, agency.token, delivery!.id)).status).toBe('delivered');
  });
});

describe('the metrics and the sandbox inbox', () => {
  it('counts deliveries on /metrics and lists only the agency’s own captured messages', async () => {
    const mine = await createAgency(live.app);
    const other = await createAgency(live.app);
    const [delivery] = await send(live.app, mine.token, { event: 'a.b', recipients: [{ email: 'inbox@example.com' }], data: { subject: 'Inbox', message: 'M' } });
    await waitForDelivery(live.app, mine.token, delivery!.id, ['sent']);
    const inbox = await live.app.app.inject({ method: 'GET', url: '/api/notifications/sandbox/messages', headers: bearer(mine.token) });
    expect(inbox.statusCode).toBe(200);
    expect(inbox.json<{ deliveryId: string }[]>().some((message) => message.deliveryId === delivery!.id)).toBe(true);
    const theirs = await live.app.app.inject({ method: 'GET', url: '/api/notifications/sandbox/messages', headers: bearer(other.token) });
    expect(theirs.json()).toEqual([]);
    const metrics = await waitFor(async () => {
      const response = await live.app.app.inject({ method: 'GET', url: '/metrics' });
      return response.body.includes('switchboard_notifications_total{channel="email",status="sent"}') ? response.body : undefined;
    }, 5000, 'the notification counter');
    expect(metrics).toContain('switchboard_notifications_enqueue_to_sent_seconds_bucket');
  });
});
