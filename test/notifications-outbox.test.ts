import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import { createAgency, createLocationUser } from './support/factories.js';
import { waitFor } from './support/spawn-service.js';
import { bearer } from './support/test-app.js';
import { getDelivery, send, startLiveNotifications, waitForDelivery, type LiveNotifications } from './notifications-kit.js';

let live: LiveNotifications;
beforeAll(async () => {
  // Costs chosen so that rounding shows: 1.25 ¢ per email, 0.83 ¢ per SMS segment.
  live = await startLiveNotifications({ env: { NOTIFY_COST_EMAIL_MILLICENTS: '1250', NOTIFY_COST_SMS_SEGMENT_MILLICENTS: '830' } });
});
afterAll(async () => live.close());

async function countRows(table: 'notification_deliveries' | 'jobs', companyId: string): Promise<number> {
  const [row] = await queryRows<{ total: number }>(live.app.database.db, sql`select count(*)::int as total from ${sql.identifier(table)} where company_id = ${companyId}`);
  return Number(row?.total ?? 0);
}

describe('notify() is an outbox write in the caller’s transaction', () => {
  it('a rolled-back caller transaction leaves no delivery and no job; a committed one leaves one job per channel and recipient', async () => {
    const agency = await createAgency(live.app);
    const scope = { companyId: agency.companyId, locationIds: '*' as const };
    await live.app.database
      .tenant(scope, async (tx) => {
        await live.app.notifications.notify(tx, { companyId: agency.companyId }, 'order.created', [{ email: 'a@example.com', phone: '+16502530010' }], { message: 'x', subject: 'y' });
        throw new Error('the order insert failed');
      })
      .catch(() => undefined);
    expect(await countRows('notification_deliveries', agency.companyId)).toBe(0);
    expect(await countRows('jobs', agency.companyId)).toBe(0);

    const receipt = await live.app.database.tenant(scope, (tx) =>
      live.app.notifications.notify(tx, { companyId: agency.companyId }, 'order.created', [{ email: 'a@example.com', phone: '+16502530010' }, { email: 'b@example.com' }], { message: 'x', subject: 'y' }, { sourceKey: 'order-1' }),
    );
    live.app.notifications.wake();
    expect(receipt.deliveries.map((delivery) => delivery.channel).sort()).toEqual(['email', 'email', 'sms']);
    const jobs = await queryRows<{ kind: string }>(live.app.database.db, sql`select kind from jobs where company_id = ${agency.companyId} order by kind`);
    expect(jobs.map((job) => job.kind)).toEqual(['notifications.send-email', 'notifications.send-email', 'notifications.send-sms']);
    // The same source key again adds nothing.
    const again = await live.app.database.tenant(scope, (tx) =>
      live.app.notifications.notify(tx, { companyId: agency.companyId }, 'order.created', [{ email: 'a@example.com', phone: '+16502530010' }], { message: 'x', subject: 'y' }, { sourceKey: 'order-1' }),
    );
    expect(again.deliveries).toEqual([]);
    for (const delivery of receipt.deliveries) await waitForDelivery(live.app, agency.token, delivery.id, ['sent', 'delivered']);
  });
});

describe('API sends arriving at once', () => {
  it('answers each request with its own deliveries: two agencies, a missing location (404), a repeated source key, a quiet-hours recipient', async () => {
    const first = await createAgency(live.app);
    const second = await createAgency(live.app);
    const hour = new Date().getUTCHours();
    const quiet = { start: `${String((hour + 23) % 24).padStart(2, '0')}:00`, end: `${String((hour + 1) % 24).padStart(2, '0')}:00` };
    const saved = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: bearer(first.token), payload: { recipientKey: 'email:sleeper@example.com', timeZone: 'Etc/UTC', quietHours: quiet } });
    expect(saved.statusCode).toBe(200);
    const body = (recipients: string[], extra: Record<string, unknown> = {}) => ({ event: 'group.sent', recipients: recipients.map((email) => ({ email })), data: { subject: 'S', message: 'M' }, includeWebhooks: false, ...extra });
    const requests = [
      { token: first.token, payload: body(['g1@example.com', 'g2@example.com']) },
      { token: second.token, payload: body(['h1@example.com']) },
      { token: first.token, payload: body(['g3@example.com'], { locationId: 'loc_does_not_exist' }) },
      { token: first.token, payload: body(['g4@example.com', 'sleeper@example.com'], { locationId: first.locationIds[0] }) },
      { token: first.token, payload: body(['g5@example.com'], { sourceKey: 'group-once' }) },
      { token: first.token, payload: body(['g5@example.com'], { sourceKey: 'group-once' }) },
      { token: second.token, payload: body(['h2@example.com', 'not-an-address']) },
    ];
    // Sent at once: concurrent transactions of two agencies, one of them refused, two racing for one source key.
    const responses = await Promise.all(requests.map(({ token, payload }) => live.app.app.inject({ method: 'POST', url: '/api/notifications/send', headers: bearer(token), payload })));
    expect(responses.map((response) => response.statusCode)).toEqual([202, 202, 404, 202, 202, 202, 202]);
    const deliveriesOf = (index: number) => (responses[index]?.json<{ deliveries: { id: string; recipient: string; status: string }[] }>().deliveries ?? []).map(({ recipient, status }) => `${recipient}:${status}`);
    expect(deliveriesOf(0)).toEqual(['g1@example.com:queued', 'g2@example.com:queued']);
    expect(deliveriesOf(1)).toEqual(['h1@example.com:queued']);
    expect(responses[2]?.json()).toMatchObject({ error: { code: 'not_found' } });
    expect(deliveriesOf(3)).toEqual(['g4@example.com:queued', 'sleeper@example.com:waiting']);
    // The same source key twice: one request gets the delivery, the other nothing (as when sent one after the other).
    expect([...deliveriesOf(4), ...deliveriesOf(5)]).toEqual(['g5@example.com:queued']);
    expect(deliveriesOf(6)).toEqual(['h2@example.com:queued', 'not-an-address:failed']);
    // Exactly one job per deliverable delivery, in the right agency; the 404 request wrote nothing.
    expect(await countRows('notification_deliveries', first.companyId)).toBe(5);
    expect(await countRows('jobs', first.companyId)).toBe(5);
    expect(await countRows('notification_deliveries', second.companyId)).toBe(3);
    expect(await countRows('jobs', second.companyId)).toBe(2);
    const queued = [0, 1, 3, 4, 5, 6].flatMap((index) => (responses[index]?.json<{ deliveries: { id: string; status: string }[] }>().deliveries ?? []).filter((delivery) => delivery.status === 'queued').map((delivery) => ({ index, id: delivery.id })));
    for (const { index, id } of queued) await waitForDelivery(live.app, requests[index]?.token as string, id, ['sent', 'delivered']);
    const other = await live.app.app.inject({ method: 'GET', url: `/api/notifications/deliveries/${queued[0]?.id ?? ''}`, headers: bearer(second.token) });
    expect(other.statusCode).toBe(404);
  });
});

describe('preferences and quiet hours', () => {
  it('holds a message in the recipient’s quiet hours until the window ends (job due then), never dropping it', async () => {
    const agency = await createAgency(live.app);
    const now = new Date();
    const hour = now.getUTCHours();
    const window = { start: `${String((hour + 23) % 24).padStart(2, '0')}:00`, end: `${String((hour + 1) % 24).padStart(2, '0')}:00` };
    const saved = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: bearer(agency.token), payload: { recipientKey: 'email:Night@Example.com', timeZone: 'Etc/UTC', quietHours: window } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toMatchObject({ recipientKey: 'email:night@example.com', quietHours: window });
    const [delivery] = await send(live.app, agency.token, { event: 'report.daily', recipients: [{ email: 'night@example.com' }], data: { subject: 'S', message: 'M' } });
    const expectedEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hour + 1));
    expect(delivery).toMatchObject({ status: 'waiting', notBefore: expectedEnd.toISOString() });
    const [job] = await queryRows<{ runAt: string | Date }>(live.app.database.db, sql`select run_at as "runAt" from jobs where idempotency_key = ${delivery!.id}`);
    expect(new Date(job!.runAt).toISOString()).toBe(expectedEnd.toISOString());

    // In another zone the same clock hours are not now: that recipient gets the message at once.
    const otherZone = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: bearer(agency.token), payload: { recipientKey: 'email:day@example.com', timeZone: 'Pacific/Kiritimati', quietHours: window } });
    expect(otherZone.statusCode).toBe(200);
    const [day] = await send(live.app, agency.token, { event: 'report.daily', recipients: [{ email: 'day@example.com' }], data: { subject: 'S', message: 'M' } });
    expect(day!.status).toBe('queued');
  });

  it('re-checks preferences when the job runs: quiet hours set after notify make it wait; a turned-off event is skipped', async () => {
    const agency = await createAgency(live.app);
    await live.app.jobs.stop();
    try {
      const [late] = await send(live.app, agency.token, { event: 'report.daily', recipients: [{ email: 'late@example.com', userId: 'usr_quiet' }], data: { subject: 'S', message: 'M' } });
      const [off] = await send(live.app, agency.token, { event: 'lead.nurture', recipients: [{ email: 'off@example.com' }], data: { subject: 'S', message: 'M' } });
      const hour = new Date().getUTCHours();
      const window = { start: `${String((hour + 23) % 24).padStart(2, '0')}:30`, end: `${String((hour + 1) % 24).padStart(2, '0')}:30` };
      await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: bearer(agency.token), payload: { recipientKey: 'user:usr_quiet', timeZone: 'UTC', quietHours: window } });
      await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences', headers: bearer(agency.token), payload: { recipientKey: 'email:off@example.com', disabledEvents: ['lead.nurture'] } });
      live.app.jobs.start();
      const waiting = await waitForDelivery(live.app, agency.token, late!.id, ['waiting']);
      expect(waiting.reason).toMatch(/^quiet hours until /);
      // The runner marks finished jobs done in shared batches, a moment after the handler wrote 'waiting'.
      const jobs = await waitFor(async () => {
        const found = await queryRows<{ status: string; runAt: string | Date }>(live.app.database.db, sql`select status, run_at as "runAt" from jobs where payload->>'deliveryId' = ${late!.id} order by id`);
        return found[0]?.status === 'running' ? undefined : found;
      }, 20_000, 'the first job to be marked finished');
      expect(jobs.map((job) => job.status)).toEqual(['done', 'pending']);
      expect(new Date(jobs[1]!.runAt).toISOString()).toBe(waiting.notBefore);
      expect(await waitForDelivery(live.app, agency.token, off!.id, ['skipped'])).toMatchObject({ reason: 'preference: the recipient turned off lead.nurture' });
    } finally {
      if (!live.app.jobs.isStarted) live.app.jobs.start();
    }
  });

  it('lets a user set their own preferences; refuses bad input and anonymous calls', async () => {
    const agency = await createAgency(live.app);
    // A window that does not hold now in Berlin: inside it the SMS below would wait for its end (quiet
    // hours come first; the turned-off channel is read when the job runs), and the test would depend on
    // the time of day (it failed from 22:00 Berlin with a fixed 22:00–07:00).
    const berlinHour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(new Date()));
    const quietHours = { start: `${String((berlinHour + 2) % 24).padStart(2, '0')}:00`, end: `${String((berlinHour + 4) % 24).padStart(2, '0')}:00` };
    const mine = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences/me', headers: bearer(agency.token), payload: { disabledChannels: ['sms'], timeZone: 'Europe/Berlin', quietHours } });
    expect(mine.statusCode).toBe(200);
    expect(mine.json()).toEqual({ recipientKey: `user:${agency.userId}`, disabledEvents: [], disabledChannels: ['sms'], timeZone: 'Europe/Berlin', quietHours, isUnsubscribed: false });
    expect((await live.app.app.inject({ method: 'GET', url: '/api/notifications/preferences/me', headers: bearer(agency.token) })).json()).toMatchObject({ disabledChannels: ['sms'] });
    const badZone = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences/me', headers: bearer(agency.token), payload: { timeZone: 'Mars/Olympus' } });
    expect(badZone.statusCode).toBe(400);
    expect(badZone.json().error.code).toBe('invalid_preferences');
    const badClock = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/preferences/me', headers: bearer(agency.token), payload: { quietHours: { start: '25:00', end: '07:00' } } });
    expect(badClock.statusCode).toBe(400);
    const badKey = await live.app.app.inject({ method: 'GET', url: '/api/notifications/preferences?recipientKey=fax:123', headers: bearer(agency.token) });
    expect(badKey.json().error.code).toBe('invalid_preferences');
    expect((await live.app.app.inject({ method: 'GET', url: '/api/notifications/preferences/me' })).statusCode).toBe(401);
    // The user's preference applies to a message addressed with their userId.
    const [sms] = await send(live.app, agency.token, { event: 'lead.new', recipients: [{ phone: '+16502530011', userId: agency.userId }], data: { message: 'hi' } });
    expect(await waitForDelivery(live.app, agency.token, sms!.id, ['skipped'])).toMatchObject({ reason: 'preference: the recipient turned off sms' });
  });
});

describe('settings, templates and deliveries API', () => {
  it('answers 400 for bad settings, 403 for members, 401 without credentials, 404 for another agency’s delivery', async () => {
    const agency = await createAgency(live.app);
    const other = await createAgency(live.app);
    const noKey = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/settings', headers: bearer(agency.token), payload: { emailProvider: 'resend', emailFrom: 'x@agency.test' } });
    expect(noKey.json().error.code).toBe('invalid_settings');
    const unknownField = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/settings', headers: bearer(agency.token), payload: { apiKey: 'x' } });
    expect(unknownField.statusCode).toBe(400);
    const badNumber = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/settings', headers: bearer(agency.token), payload: { smsFrom: 'not a number' } });
    expect(badNumber.json().error.code).toBe('invalid_settings');
    const member = await createLocationUser(live.app, agency.token, agency.locationIds[0] as string, 'location_admin');
    expect((await live.app.app.inject({ method: 'GET', url: '/api/notifications/settings', headers: bearer(member.token) })).statusCode).toBe(403);
    expect((await live.app.app.inject({ method: 'GET', url: '/api/notifications/settings' })).statusCode).toBe(401);
    const smsTemplate = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/templates/lead.new/sms', headers: bearer(agency.token), payload: { subject: 'no', text: 'x' } });
    expect(smsTemplate.json().error.code).toBe('invalid_template');
    const badEvent = await live.app.app.inject({ method: 'PUT', url: '/api/notifications/templates/Bad%20Event/email', headers: bearer(agency.token), payload: { subject: 's', text: 'x' } });
    expect(badEvent.statusCode).toBe(400);
    const badSend = await live.app.app.inject({ method: 'POST', url: '/api/notifications/send', headers: bearer(agency.token), payload: { event: 'a.b', recipients: [{ fax: '1' }] } });
    expect(badSend.statusCode).toBe(400);
    const otherLocation = await live.app.app.inject({ method: 'POST', url: '/api/notifications/send', headers: bearer(agency.token), payload: { event: 'a.b', locationId: other.locationIds[0], recipients: [] } });
    expect(otherLocation.statusCode).toBe(404);

    const [delivery] = await send(live.app, agency.token, { event: 'a.b', recipients: [{ email: 'mine@example.com' }], data: { subject: 'S', message: 'M' } });
    await waitForDelivery(live.app, agency.token, delivery!.id, ['sent']);
    for (const [method, url] of [
      ['GET', `/api/notifications/deliveries/${delivery!.id}`],
      ['POST', `/api/notifications/deliveries/${delivery!.id}/resend`],
    ] as const) {
      expect((await live.app.app.inject({ method, url, headers: bearer(other.token) })).statusCode, `${method} ${url}`).toBe(404);
    }
    const listed = await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries?channel=email&status=sent', headers: bearer(other.token) });
    expect(listed.json()).toMatchObject({ items: [], total: 0 });
    const mineListed = await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries?channel=email', headers: bearer(agency.token) });
    expect(mineListed.json()).toMatchObject({ total: 1, items: [{ id: delivery!.id }] });
    expect((await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries?status=nope', headers: bearer(agency.token) })).statusCode).toBe(400);
    const resent = await live.app.app.inject({ method: 'POST', url: `/api/notifications/deliveries/${delivery!.id}/resend`, headers: bearer(agency.token) });
    expect(resent.statusCode).toBe(202);
    await waitForDelivery(live.app, agency.token, resent.json<{ id: string }>().id, ['sent']);
    expect(live.fakes.listCaptured().filter((message) => message.to === 'mine@example.com')).toHaveLength(2);
  });
});

describe('monthly rebilling statement', () => {
  it('adds usage up per channel, provider and markup, exact in integer cents, in JSON and CSV', async () => {
    const agency = await createAgency(live.app);
    await live.app.app.inject({ method: 'PUT', url: '/api/notifications/settings', headers: bearer(agency.token), payload: { markupSmsBps: 3333 } });
    const deliveries = await send(live.app, agency.token, {
      event: 'billing.test',
      recipients: [{ email: 'e1@example.com' }, { email: 'e2@example.com' }, { email: 'e3@example.com' }, { phone: '+16502530020' }, { phone: '+16502530021' }],
      data: { subject: 'S', message: 'x'.repeat(170) },
    });
    for (const delivery of deliveries) await waitForDelivery(live.app, agency.token, delivery.id, ['sent', 'delivered']);
    const month = new Date().toISOString().slice(0, 7);
    const response = await live.app.app.inject({ method: 'GET', url: `/api/notifications/statements/${month}`, headers: bearer(agency.token) });
    expect(response.statusCode).toBe(200);
    // Email: 3 × 1250 m¢ = 3.75 ¢ → 4 ¢; markup 15 % of 4 ¢ = 0.6 → 1 ¢. SMS: 2 × 2 segments × 830 m¢ = 3.32 ¢ → 3 ¢; 33.33 % of 3 ¢ = 0.9999 → 1 ¢.
    expect(response.json()).toMatchObject({
      month,
      lines: [
        { channel: 'email', provider: 'smtp', messages: 3, units: 3, baseCostMillicents: 3750, baseCostCents: 4, markupBps: 1500, markupCents: 1, totalCents: 5 },
        { channel: 'sms', provider: 'twilio', messages: 2, units: 4, baseCostMillicents: 3320, baseCostCents: 3, markupBps: 3333, markupCents: 1, totalCents: 4 },
      ],
      totals: { messages: 5, units: 7, baseCostCents: 7, markupCents: 2, totalCents: 9 },
    });
    const csv = await live.app.app.inject({ method: 'GET', url: `/api/notifications/statements/${month}?format=csv`, headers: bearer(agency.token) });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body).toBe(
      [
        'month,channel,provider,messages,units,base_cost_millicents,base_cost_cents,markup_bps,markup_cents,total_cents',
        `${month},email,smtp,3,3,3750,4,1500,1,5`,
        `${month},sms,twilio,2,4,3320,3,3333,1,4`,
        `${month},TOTAL,,5,7,7070,7,,2,9`,
        '',
      ].join('\r\n'),
    );
    const other = await createAgency(live.app);
    const empty = await live.app.app.inject({ method: 'GET', url: `/api/notifications/statements/${month}`, headers: bearer(other.token) });
    expect(empty.json()).toMatchObject({ lines: [], totals: { totalCents: 0 } });
    expect((await live.app.app.inject({ method: 'GET', url: '/api/notifications/statements/2026-13', headers: bearer(agency.token) })).statusCode).toBe(400);
    expect((await getDelivery(live.app, agency.token, deliveries[0]!.id)).status).toMatch(/sent|delivered/);
  });
});
