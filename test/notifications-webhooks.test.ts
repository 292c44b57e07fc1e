import { sql } from 'drizzle-orm';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../src/platform/db/index.js';
import { createAgency, createLocationUser } from './support/factories.js';
import { bearer } from './support/test-app.js';
import { waitFor } from './support/spawn-service.js';
import { getDelivery, send, startHookReceiver, startLiveNotifications, waitForDelivery, type HookReceiver, type LiveNotifications, type ReceivedHook } from './notifications-kit.js';

let live: LiveNotifications;
let receiver: HookReceiver;
beforeAll(async () => {
  live = await startLiveNotifications();
  receiver = await startHookReceiver();
});
afterAll(async () => {
  await receiver.close();
  await live.close();
});

interface EndpointBody {
  id: string;
  secret: string;
  url: string;
  isEnabled: boolean;
  isRotating: boolean;
  failingSince: string | null;
  disabledReason: string | null;
}

async function createEndpoint(token: string, payload: Record<string, unknown>): Promise<EndpointBody> {
  const response = await live.app.app.inject({ method: 'POST', url: '/api/notifications/webhook-endpoints', headers: bearer(token), payload });
  if (response.statusCode !== 201) throw new Error(`create endpoint: ${response.statusCode} ${response.body}`);
  return response.json<EndpointBody>();
}

const hooksFor = (path: string) => receiver.received.filter((hook) => hook.path === path);
const headersOf = (hook: ReceivedHook) => ({
  'webhook-id': String(hook.headers['webhook-id']),
  'webhook-timestamp': String(hook.headers['webhook-timestamp']),
  'webhook-signature': String(hook.headers['webhook-signature']),
});

describe('outbound webhooks (Standard Webhooks)', () => {
  it('signs deliveries so the standardwebhooks reference library verifies them, with the event filter applied', async () => {
    const agency = await createAgency(live.app);
    const endpoint = await createEndpoint(agency.token, { url: `${receiver.url}/orders`, eventTypes: ['order.created'] });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/);
    const listed = await live.app.app.inject({ method: 'GET', url: '/api/notifications/webhook-endpoints', headers: bearer(agency.token) });
    expect(listed.body).not.toContain(endpoint.secret);

    const [delivery] = await send(live.app, agency.token, { event: 'order.created', data: { orderId: 'ord_1', total: 1250 } });
    expect(delivery).toMatchObject({ channel: 'webhook', recipient: endpoint.id });
    await send(live.app, agency.token, { event: 'order.cancelled', data: { orderId: 'ord_1' } });
    const delivered = await waitForDelivery(live.app, agency.token, delivery!.id, ['delivered']);
    const [hook] = hooksFor('/orders');
    expect(hooksFor('/orders')).toHaveLength(1);
    const verified = new Webhook(endpoint.secret).verify(hook!.body, headersOf(hook!));
    expect(verified).toMatchObject({ type: 'order.created', data: { orderId: 'ord_1', total: 1250 } });
    expect(hook!.headers['webhook-id']).toBe(delivered.providerMessageId);
    expect(() => new Webhook(`whsec_${Buffer.from('another secret of enough bytes').toString('base64')}`).verify(hook!.body, headersOf(hook!))).toThrow();
  });

  it('sends both signatures during a secret rotation, each verified by the reference library, and only the new one after the overlap', async () => {
    const agency = await createAgency(live.app);
    const endpoint = await createEndpoint(agency.token, { url: `${receiver.url}/rotation` });
    const rotated = await live.app.app.inject({ method: 'POST', url: `/api/notifications/webhook-endpoints/${endpoint.id}/rotate-secret`, headers: bearer(agency.token), payload: { overlapSeconds: 3600 } });
    expect(rotated.statusCode).toBe(200);
    const next = rotated.json<EndpointBody>();
    expect(next).toMatchObject({ isRotating: true });
    expect(next.secret).not.toBe(endpoint.secret);
    const [delivery] = await send(live.app, agency.token, { event: 'invoice.paid', data: { invoiceId: 'inv_9' } });
    await waitForDelivery(live.app, agency.token, delivery!.id, ['delivered']);
    const [hook] = hooksFor('/rotation');
    expect(String(hook!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(new Webhook(endpoint.secret).verify(hook!.body, headersOf(hook!))).toMatchObject({ type: 'invoice.paid' });
    expect(new Webhook(next.secret).verify(hook!.body, headersOf(hook!))).toMatchObject({ type: 'invoice.paid' });

    const shortOverlap = await live.app.app.inject({ method: 'POST', url: `/api/notifications/webhook-endpoints/${endpoint.id}/rotate-secret`, headers: bearer(agency.token), payload: { overlapSeconds: 0 } });
    const latest = shortOverlap.json<EndpointBody>();
    const [after] = await send(live.app, agency.token, { event: 'invoice.paid', data: { invoiceId: 'inv_10' } });
    await waitForDelivery(live.app, agency.token, after!.id, ['delivered']);
    const last = hooksFor('/rotation').at(-1)!;
    expect(String(last.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(new Webhook(latest.secret).verify(last.body, headersOf(last))).toMatchObject({ data: { invoiceId: 'inv_10' } });
    expect(() => new Webhook(next.secret).verify(last.body, headersOf(last))).toThrow();
  });

  it('retries a failing endpoint on the published schedule with the same webhook-id, and records the endpoint failing meanwhile', async () => {
    const agency = await createAgency(live.app);
    const endpoint = await createEndpoint(agency.token, { url: `${receiver.url}/flaky` });
    let calls = 0;
    receiver.respond = (hook) => (hook.path === '/flaky' && ++calls === 1 ? { status: 503 } : { status: 200 });
    try {
      const [delivery] = await send(live.app, agency.token, { event: 'lead.assigned', data: { leadId: 'l1' } });
      // A new delivery is 'queued' before its first attempt too: wait for the first attempt's failure itself.
      const failing = await waitFor(
        async () => {
          const response = await live.app.app.inject({ method: 'GET', url: `/api/notifications/webhook-endpoints/${endpoint.id}`, headers: bearer(agency.token) });
          const body = response.json<EndpointBody>();
          return body.failingSince ? body : undefined;
        },
        10_000,
        'the endpoint to be recorded failing after the 503',
      );
      expect(failing.failingSince).not.toBeNull();
      const retrying = await getDelivery(live.app, agency.token, delivery!.id);
      if (retrying.status === 'queued') expect(retrying.reason).toBe('retrying: HTTP 503');
      const [job] = await queryRows<{ runAt: string; createdAt: string; attempts: number }>(
        live.app.database.db,
        sql`select run_at as "runAt", attempts from jobs where idempotency_key = ${delivery!.id}`,
      );
      expect(job?.attempts).toBe(1);
      const delivered = await waitForDelivery(live.app, agency.token, delivery!.id, ['delivered'], 20_000);
      expect(delivered.attempts).toBe(2);
      const hooks = hooksFor('/flaky');
      expect(hooks).toHaveLength(2);
      expect(hooks[0]!.headers['webhook-id']).toBe(hooks[1]!.headers['webhook-id']);
      // The second attempt came 5 s after the first (schedule: immediately, 5 s, 5 min, …).
      const gapSeconds = Number(hooks[1]!.headers['webhook-timestamp']) - Number(hooks[0]!.headers['webhook-timestamp']);
      expect(gapSeconds).toBeGreaterThanOrEqual(4);
      expect(gapSeconds).toBeLessThanOrEqual(8);
      const healthy = await live.app.app.inject({ method: 'GET', url: `/api/notifications/webhook-endpoints/${endpoint.id}`, headers: bearer(agency.token) });
      expect(healthy.json<EndpointBody>().failingSince).toBeNull();
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
  });

  it('disables an endpoint failing for 5 days and emails its owner', async () => {
    const agency = await createAgency(live.app);
    const endpoint = await createEndpoint(agency.token, { url: `${receiver.url}/down`, ownerEmail: 'owner@agency.test' });
    receiver.respond = (hook) => (hook.path === '/down' ? { status: 500 } : { status: 200 });
    try {
      // Five days of failures, compressed: the endpoint's streak started 5 days and a minute ago.
      await live.app.database.system((tx) => tx.execute(sql`update webhook_endpoints set failing_since = now() - interval '5 days 1 minute' where id = ${endpoint.id}`));
      const [delivery] = await send(live.app, agency.token, { event: 'lead.assigned', data: { leadId: 'l2' } });
      const disabled = await waitFor(async () => {
        const response = await live.app.app.inject({ method: 'GET', url: `/api/notifications/webhook-endpoints/${endpoint.id}`, headers: bearer(agency.token) });
        const body = response.json<EndpointBody>();
        return body.isEnabled ? undefined : body;
      }, 15_000, 'the endpoint to be disabled');
      expect(disabled.disabledReason).toContain('HTTP 500');
      const notice = await waitFor(async () => live.fakes.listCaptured().find((message) => message.to === 'owner@agency.test'), 15_000, 'the owner notice');
      expect(notice.subject).toBe(`Webhook endpoint disabled: ${receiver.url}/down`);
      // Later events no longer go to it; a pending retry is skipped.
      const [later] = await send(live.app, agency.token, { event: 'lead.assigned', data: { leadId: 'l3' } });
      expect(later).toBeUndefined();
      expect(await waitForDelivery(live.app, agency.token, delivery!.id, ['skipped', 'queued', 'failed'])).toBeDefined();
      const summary = await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries/summary', headers: bearer(agency.token) });
      expect(summary.json().endpoints).toMatchObject([{ id: endpoint.id, isEnabled: false }]);
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
  });

  it('test-sends to an endpoint whatever its filter, and resends a delivery by API keeping its webhook-id', async () => {
    const agency = await createAgency(live.app);
    const endpoint = await createEndpoint(agency.token, { url: `${receiver.url}/test-send`, eventTypes: ['never.sent'] });
    const test = await live.app.app.inject({ method: 'POST', url: `/api/notifications/webhook-endpoints/${endpoint.id}/test`, headers: bearer(agency.token) });
    expect(test.statusCode).toBe(202);
    const delivered = await waitForDelivery(live.app, agency.token, test.json<{ id: string }>().id, ['delivered']);
    const resend = await live.app.app.inject({ method: 'POST', url: `/api/notifications/deliveries/${delivered.id}/resend`, headers: bearer(agency.token) });
    expect(resend.statusCode).toBe(202);
    expect(resend.json()).toMatchObject({ resendOf: delivered.id, status: 'queued' });
    await waitForDelivery(live.app, agency.token, resend.json<{ id: string }>().id, ['delivered']);
    const hooks = hooksFor('/test-send');
    expect(hooks).toHaveLength(2);
    expect(JSON.parse(hooks[0]!.body)).toMatchObject({ type: 'webhook.test' });
    expect(hooks[1]!.headers['webhook-id']).toBe(hooks[0]!.headers['webhook-id']);
  });
});

interface SummaryBody {
  since: string;
  hasSandboxInbox: boolean;
  byChannel: { channel: string; status: string; total: number; retried: number }[];
  endpoints: { id: string; url: string; isEnabled: boolean; failingSince: string | null; lastFailureReason: string | null; lastSuccessAt: string | null; lastDelivery: { id: string; status: string; reason: string | null; attempts: number } | null }[];
}

describe('the deliveries summary the dashboard reads', () => {
  it('counts by channel and status with retried deliveries, shows each endpoint’s health and last status, flags the sandbox inbox, and refuses resends that would send twice', async () => {
    const agency = await createAgency(live.app);
    const other = await createAgency(live.app);
    const flaky = await createEndpoint(agency.token, { url: `${receiver.url}/summary-flaky`, eventTypes: ['summary.check'] });
    const down = await createEndpoint(agency.token, { url: `${receiver.url}/summary-down`, eventTypes: ['summary.check'] });
    const idle = await createEndpoint(agency.token, { url: `${receiver.url}/summary-idle`, eventTypes: ['never.sent'] });
    let flakyCalls = 0;
    receiver.respond = (hook) => (hook.path === '/summary-down' || (hook.path === '/summary-flaky' && ++flakyCalls === 1) ? { status: 500 } : { status: 200 });
    try {
      const deliveries = await send(live.app, agency.token, {
        event: 'summary.check',
        recipients: [{ email: 'summary@example.com' }, { name: 'No address', channels: ['email'] }],
        data: { subject: 'Summary', message: 'M' },
      });
      const email = deliveries.find((row) => row.channel === 'email' && row.recipient === 'summary@example.com');
      const noAddress = deliveries.find((row) => row.channel === 'email' && row.recipient === '');
      const toFlaky = deliveries.find((row) => row.recipient === flaky.id);
      const toDown = deliveries.find((row) => row.recipient === down.id);
      expect(noAddress).toMatchObject({ status: 'failed', isResendable: false });
      await waitForDelivery(live.app, agency.token, email!.id, ['sent']);
      await waitForDelivery(live.app, agency.token, toFlaky!.id, ['delivered'], 20_000);
      const retrying = await waitFor(async () => {
        const row = await getDelivery(live.app, agency.token, toDown!.id);
        return row.status === 'queued' && row.reason === 'retrying: HTTP 500' && row.attempts === 2 ? row : undefined;
      }, 20_000, 'the delivery to the failing endpoint to be retrying after its second attempt (the third is due in 5 min)');

      const response = await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries/summary?hours=1', headers: bearer(agency.token) });
      expect(response.statusCode).toBe(200);
      const summary = response.json<SummaryBody>();
      expect(summary.hasSandboxInbox).toBe(true);
      expect(new Date(summary.since).getTime()).toBeGreaterThan(Date.now() - 3600_000 - 60_000);
      expect(summary.byChannel).toEqual(
        expect.arrayContaining([
          { channel: 'email', status: 'sent', total: 1, retried: 0 },
          { channel: 'email', status: 'failed', total: 1, retried: 0 },
          { channel: 'webhook', status: 'delivered', total: 1, retried: 1 },
          { channel: 'webhook', status: 'queued', total: 1, retried: 1 },
        ]),
      );
      expect(summary.byChannel).toHaveLength(4);
      const health = new Map(summary.endpoints.map((endpoint) => [endpoint.id, endpoint]));
      expect(health.get(flaky.id)).toMatchObject({ isEnabled: true, failingSince: null, lastSuccessAt: expect.any(String), lastDelivery: { id: toFlaky!.id, status: 'delivered', attempts: 2 } });
      expect(health.get(down.id)).toMatchObject({ isEnabled: true, failingSince: expect.any(String), lastFailureReason: 'HTTP 500', lastDelivery: { id: toDown!.id, status: 'queued', reason: 'retrying: HTTP 500', attempts: 2 } });
      expect(health.get(idle.id)).toMatchObject({ lastDelivery: null, failingSince: null });

      // Resends: a delivery with no address, and one still retrying, are refused with the reason in words.
      const refusedNoAddress = await live.app.app.inject({ method: 'POST', url: `/api/notifications/deliveries/${noAddress!.id}/resend`, headers: bearer(agency.token) });
      expect(refusedNoAddress.statusCode).toBe(409);
      expect(refusedNoAddress.json().error).toMatchObject({ code: 'not_resendable', message: 'This delivery has no address to send to' });
      expect(retrying.isResendable).toBe(false);
      const refusedRetrying = await live.app.app.inject({ method: 'POST', url: `/api/notifications/deliveries/${toDown!.id}/resend`, headers: bearer(agency.token) });
      expect(refusedRetrying.statusCode).toBe(409);
      expect(refusedRetrying.json().error.message).toContain('still queued');
      expect(await getDelivery(live.app, agency.token, email!.id)).toMatchObject({ isResendable: true });
      // A finished webhook delivery whose endpoint is disabled (or deleted) would only be skipped: refused up front.
      await live.app.app.inject({ method: 'PATCH', url: `/api/notifications/webhook-endpoints/${flaky.id}`, headers: bearer(agency.token), payload: { isEnabled: false } });
      const refusedDisabled = await live.app.app.inject({ method: 'POST', url: `/api/notifications/deliveries/${toFlaky!.id}/resend`, headers: bearer(agency.token) });
      expect(refusedDisabled.json().error).toMatchObject({ code: 'not_resendable', message: expect.stringContaining('is disabled') });
      await live.app.app.inject({ method: 'DELETE', url: `/api/notifications/webhook-endpoints/${flaky.id}`, headers: bearer(agency.token) });
      const refusedDeleted = await live.app.app.inject({ method: 'POST', url: `/api/notifications/deliveries/${toFlaky!.id}/resend`, headers: bearer(agency.token) });
      expect(refusedDeleted.json().error).toMatchObject({ code: 'not_resendable', message: 'The webhook endpoint of this delivery was deleted' });

      // Another agency sees none of it; a location member is refused; the window is validated.
      const theirs = await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries/summary', headers: bearer(other.token) });
      expect(theirs.json<SummaryBody>()).toMatchObject({ byChannel: [], endpoints: [] });
      const member = await createLocationUser(live.app, agency.token, agency.locationIds[0] as string, 'location_member');
      expect((await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries/summary', headers: bearer(member.token) })).statusCode).toBe(403);
      const badWindow = await live.app.app.inject({ method: 'GET', url: '/api/notifications/deliveries/summary?hours=0', headers: bearer(agency.token) });
      expect(badWindow.statusCode).toBe(400);
      expect(badWindow.json().error.code).toBe('validation_failed');
    } finally {
      receiver.respond = () => ({ status: 200 });
      await live.app.app.inject({ method: 'DELETE', url: `/api/notifications/webhook-endpoints/${down.id}`, headers: bearer(agency.token) });
    }
  });
});

describe('SSRF guard on tenant-configured URLs', () => {
  it.each([
    ['loopback outside the allow-list', 'http://127.0.0.2/hook'],
    ['10/8', 'http://10.0.0.1/hook'],
    ['link-local metadata', 'http://169.254.169.254/latest/meta-data'],
    ['IPv4-mapped IPv6 loopback', 'http://[::ffff:127.0.0.1]/hook'],
    ['IPv6 loopback', 'http://[::1]/hook'],
    ['a name that does not resolve', 'https://no-such-host.invalid/hook'],
  ])('answers 400 url_not_allowed at configuration time: %s', async (_label, url) => {
    const agency = await createAgency(live.app);
    const response = await live.app.app.inject({ method: 'POST', url: '/api/notifications/webhook-endpoints', headers: bearer(agency.token), payload: { url } });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.code).toBe('url_not_allowed');
  });

  it('fails the delivery with url_not_allowed at send time: a URL that became private, and a redirect to a private address', async () => {
    const agency = await createAgency(live.app);
    const moved = await createEndpoint(agency.token, { url: `${receiver.url}/moved`, eventTypes: ['ssrf.moved'] });
    // What a DNS change would do to a name; here the stored URL itself points inside.
    await live.app.database.system((tx) => tx.execute(sql`update webhook_endpoints set url = 'http://10.11.12.13/hook' where id = ${moved.id}`));
    const [toPrivate] = await send(live.app, agency.token, { event: 'ssrf.moved', data: {} });
    expect(await waitForDelivery(live.app, agency.token, toPrivate!.id, ['failed'])).toMatchObject({ reason: expect.stringContaining('url_not_allowed') });

    await createEndpoint(agency.token, { url: `${receiver.url}/redirect`, eventTypes: ['ssrf.redirect'] });
    receiver.respond = (hook) => (hook.path === '/redirect' ? { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } } : { status: 200 });
    try {
      const [redirected] = await send(live.app, agency.token, { event: 'ssrf.redirect', data: {} });
      expect(await waitForDelivery(live.app, agency.token, redirected!.id, ['failed'])).toMatchObject({ reason: expect.stringContaining('url_not_allowed') });
    } finally {
      receiver.respond = () => ({ status: 200 });
    }
  });
});

describe('endpoint API: bad input, no credentials, roles, other tenants', () => {
  it('answers 400, 401, 403 and 404 as it should', async () => {
    const agency = await createAgency(live.app);
    const other = await createAgency(live.app);
    const endpoint = await createEndpoint(agency.token, { url: `${receiver.url}/crud` });
    const bad = await live.app.app.inject({ method: 'POST', url: '/api/notifications/webhook-endpoints', headers: bearer(agency.token), payload: { url: `${receiver.url}/x`, eventTypes: ['Not An Event'] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('validation_failed');
    const anonymous = await live.app.app.inject({ method: 'GET', url: `/api/notifications/webhook-endpoints/${endpoint.id}` });
    expect(anonymous.statusCode).toBe(401);
    for (const [method, url] of [
      ['GET', `/api/notifications/webhook-endpoints/${endpoint.id}`],
      ['PATCH', `/api/notifications/webhook-endpoints/${endpoint.id}`],
      ['DELETE', `/api/notifications/webhook-endpoints/${endpoint.id}`],
      ['POST', `/api/notifications/webhook-endpoints/${endpoint.id}/rotate-secret`],
      ['POST', `/api/notifications/webhook-endpoints/${endpoint.id}/test`],
    ] as const) {
      const response = await live.app.app.inject({ method, url, headers: bearer(other.token), ...(method === 'PATCH' ? { payload: { description: 'x' } } : {}) });
      expect(response.statusCode, `${method} ${url} ${response.body}`).toBe(404);
    }
    const member = await createLocationUser(live.app, agency.token, agency.locationIds[0] as string, 'location_member');
    const forbidden = await live.app.app.inject({ method: 'GET', url: '/api/notifications/webhook-endpoints', headers: bearer(member.token) });
    expect(forbidden.statusCode).toBe(403);
    const patched = await live.app.app.inject({ method: 'PATCH', url: `/api/notifications/webhook-endpoints/${endpoint.id}`, headers: bearer(agency.token), payload: { eventTypes: ['a.b'], isEnabled: false } });
    expect(patched.json()).toMatchObject({ eventTypes: ['a.b'], isEnabled: false, disabledReason: 'disabled by an admin' });
    const deleted = await live.app.app.inject({ method: 'DELETE', url: `/api/notifications/webhook-endpoints/${endpoint.id}`, headers: bearer(agency.token) });
    expect(deleted.statusCode).toBe(200);
    expect((await live.app.app.inject({ method: 'GET', url: `/api/notifications/webhook-endpoints/${endpoint.id}`, headers: bearer(agency.token) })).statusCode).toBe(404);
  });
});
