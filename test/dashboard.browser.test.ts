import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDashboardBuilt } from '../src/main/dashboard-build.js';
import { queryRows } from '../src/platform/db/index.js';
import { HMAC_SIGNATURE_HEADER, signHmacSha256Hex } from '../src/modules/webhooks/index.js';
import { DEMO_ACCOUNTS } from '../src/modules/tenants/index.js';
import { startSandbox, type SandboxHandle } from '../src/sandbox/index.js';
import { startProviderFakes, type ProviderFakes } from '../src/sandbox/providers/index.js';
import { startHookReceiver, type HookReceiver } from './notifications-kit.js';
import { BROWSER_ARTIFACTS_DIR, browserAvailability, launchChromium } from './support/browser.js';
import { loadGhlExample } from './support/ghl-webhook-examples.js';
import { findFreePort, waitFor } from './support/spawn-service.js';
import { createTestApp, startLiveApp, type TestApp } from './support/test-app.js';

const availability = browserAvailability();
if (!availability.isAvailable && !availability.isRequired) console.warn(availability.message);

const HMAC_INTEGRATION = 'dash-browser-test';
const HMAC_SECRET = 'dash-browser-test-secret-0123456789';

let sandbox: SandboxHandle;
let fakes: ProviderFakes;
let hooks: HookReceiver;
let app: TestApp;
let stopWorkers: () => Promise<void>;
let base: string;
let closeBrowser: () => Promise<void>;
let page: Page;
const figures: Record<string, unknown> = {};

/** A workflow webhook (HMAC-signed) for a GHL location Switchboard does not know yet: it fails every attempt and goes dead. */
async function sendContactWebhook(ghlLocationId: string, contactId: string): Promise<string> {
  const now = new Date().toISOString();
  const payload = { ...loadGhlExample('ContactCreate'), id: contactId, locationId: ghlLocationId, webhookId: randomUUID(), timestamp: now, dateAdded: now, dateUpdated: now };
  const body = JSON.stringify(payload);
  const response = await fetch(`${base}/api/webhooks/ghl/ContactCreate?integrationId=${HMAC_INTEGRATION}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [HMAC_SIGNATURE_HEADER]: `sha256=${signHmacSha256Hex(HMAC_SECRET, body)}` },
    body,
  });
  expect(response.status).toBe(200);
  return (await response.json() as { id: string }).id;
}

async function statusOf(id: string): Promise<string | undefined> {
  const [row] = await queryRows<{ status: string }>(app.database.db, sql`select status from webhook_events where id = ${id}::bigint`);
  return row?.status;
}

/** The demo agency admin through the public API (what an integration would do), as a bearer token. */
async function apiAs(token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

interface ApiDelivery {
  id: string;
  channel: string;
  recipient: string;
  status: string;
  reason: string | null;
}

async function waitForDeliveryStatus(token: string, id: string, statuses: readonly string[]): Promise<ApiDelivery> {
  return waitFor(
    async () => {
      const { json } = await apiAs(token, 'GET', `/api/notifications/deliveries/${id}`);
      const delivery = json as ApiDelivery;
      return statuses.includes(delivery.status) ? delivery : undefined;
    },
    20_000,
    `delivery ${id} to be ${statuses.join(' or ')}`,
  );
}

async function screenshot(name: string): Promise<void> {
  await page.screenshot({ path: join(BROWSER_ARTIFACTS_DIR, `${name}.png`), fullPage: true });
}

/** Opens a view through the navigation, as a person would. */
async function openView(title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Dashboard views' }).getByRole('link', { name: title }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}

async function expectNoHorizontalScroll(): Promise<void> {
  // Expressions run in the page (strings: this project's TypeScript has no DOM types).
  const widths = (await page.evaluate('({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth })')) as { scroll: number; client: number };
  expect(widths.scroll).toBeLessThanOrEqual(widths.client + 1);
}

describe.skipIf(!availability.isAvailable && !availability.isRequired)('operator dashboard in a real browser (headless Chromium)', () => {
  let deadId: string;
  let deletedId: string;

  beforeAll(async () => {
    if (!availability.isAvailable) throw new Error(availability.message);
    const build = await ensureDashboardBuilt();
    figures.javascriptGzipBytes = build.javascriptGzipBytes;
    sandbox = await startSandbox({ port: 0, seed: 12, locations: 2, contacts: 15 });
    // Sandbox mode for notifications too: email goes to the SMTP capture server, as `npm start` wires it.
    fakes = await startProviderFakes();
    hooks = await startHookReceiver();
    const port = await findFreePort();
    base = `http://127.0.0.1:${port}`;
    app = await createTestApp({
      sandbox,
      providerFakes: fakes,
      ghlRedirectUri: `${base}/api/oauth/callback`,
      env: {
        PUBLIC_URL: base,
        WEBHOOK_MAX_ATTEMPTS: '2',
        WEBHOOK_RETRY_BASE_SECONDS: '0',
        WEBHOOK_WORKER_IDLE_MS: '50',
        WEBHOOK_ROLLUP_FLUSH_MS: '200',
        WEBHOOK_HMAC_SECRETS: `${HMAC_INTEGRATION}:${HMAC_SECRET}`,
      },
    });
    stopWorkers = await startLiveApp(app, sandbox, { port });
    // The seed of README's "Try it" (npm run seed goes through this endpoint while the service runs).
    const seeded = await fetch(`${base}/api/auth/demo-session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(seeded.status).toBe(200);
    // Webhooks for a sub-account that is not connected yet: dead after two attempts (one is replayed
    // from the UI once the sub-account is connected, the other deleted).
    deadId = await sendContactWebhook(sandbox.locationIds[1] ?? '', 'contact-before-install');
    deletedId = await sendContactWebhook(sandbox.locationIds[1] ?? '', 'contact-to-delete');
    await waitFor(async () => ((await statusOf(deadId)) === 'dead' && (await statusOf(deletedId)) === 'dead' ? true : undefined), 30_000, 'the webhooks to go dead');
    const browser = await launchChromium({ width: 1280, height: 900 });
    closeBrowser = browser.close;
    page = browser.context.pages()[0] ?? (await browser.context.newPage());
    page.on('pageerror', (error) => console.error('browser page error:', error.message));
  }, 180_000);

  afterAll(async () => {
    writeFileSync(join(BROWSER_ARTIFACTS_DIR, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    await closeBrowser?.();
    await stopWorkers?.();
    await app?.close();
    await sandbox?.close();
    await fakes?.close();
    await hooks?.close();
  });

  it('keeps the first load under 300 KB of gzipped JavaScript', async () => {
    expect(figures.javascriptGzipBytes).toBeLessThan(300 * 1024);
    const response = await fetch(`${base}/dashboard/`, { headers: { 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    const scripts = [...html.matchAll(/src="([^"]+\.js)"/g)].map((match) => match[1] ?? '');
    expect(scripts).toHaveLength(1);
    // Client routes fall back to the app; a missing asset is a 404, not HTML.
    expect((await fetch(`${base}/dashboard/dead-letters?event=1`)).headers.get('content-type')).toContain('text/html');
    expect((await fetch(`${base}/dashboard/assets/missing.js`)).status).toBe(404);
  });

  it('refuses a wrong password with the error in words, then logs in with the seeded account', async () => {
    const started = Date.now();
    await page.goto(`${base}/dashboard/`);
    await page.getByRole('heading', { name: 'Switchboard' }).waitFor();
    figures.loginPageRenderMs = Date.now() - started;
    figures.navigationTiming = await page.evaluate(`(() => {
      const [entry] = performance.getEntriesByType('navigation');
      return entry ? { domContentLoadedMs: Math.round(entry.domContentLoadedEventEnd), loadMs: Math.round(entry.loadEventEnd) } : null;
    })()`);
    await page.getByLabel('Email').fill(DEMO_ACCOUNTS.adminEmail);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('Email or password is incorrect');
    await screenshot('login-wrong-password');
    await page.getByLabel('Password').fill(DEMO_ACCOUNTS.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'System' }).waitFor();
    // The session is an httpOnly cookie: no script on the page can read it.
    expect(await page.evaluate('document.cookie')).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies.find((cookie) => cookie.name === 'sb_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
    expect(await page.evaluate('Object.keys(window.localStorage)')).toEqual([]);
  });

  it('connects GoHighLevel from the dashboard and shows each setup sync live, with its grade and bottleneck', async () => {
    await openView('Installs');
    await page.getByText('No GoHighLevel installation yet').waitFor();
    const popupPromise = page.context().waitForEvent('page');
    await page.getByRole('button', { name: 'Connect GoHighLevel' }).click();
    const consent = await popupPromise;
    await consent.waitForLoadState();
    await consent.getByLabel('Whole agency').check();
    for (const box of await consent.locator('input[name="locationIds"]').all()) await box.check();
    await consent.getByRole('button', { name: /Allow/ }).click();
    await consent.getByRole('heading', { name: 'Switchboard is installed' }).waitFor();
    await consent.close();

    const table = page.getByTestId('installations-table');
    await expect.poll(async () => (await table.locator('tbody tr').count()), { timeout: 20_000 }).toBe(3);
    const run = page.getByTestId('sync-run');
    await run.waitFor({ timeout: 20_000 });
    await expect.poll(async () => run.getByText(/^done$/).first().isVisible(), { timeout: 60_000 }).toBe(true);
    await expect.poll(async () => (await run.locator('.grade').first().textContent())?.trim(), { timeout: 10_000 }).toMatch(/^[A-F]$/);
    expect(await run.textContent()).toContain('Bottleneck:');
    expect(await page.getByText('bottleneck', { exact: true }).count()).toBe(1);
    await screenshot('installs');
  });

  it('shows the system picture from rollups, live', async () => {
    // Sandbox activity after the install: signed webhooks for contact edits and messages.
    for (const [index, ghlLocationId] of sandbox.locationIds.entries()) {
      const response = await fetch(`${sandbox.baseUrl}/sandbox/simulate/inbound-message`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locationId: ghlLocationId, body: `Hello ${index}` }) });
      expect(response.status).toBeLessThan(300);
    }
    await fetch(`${sandbox.baseUrl}/sandbox/webhooks/wait-idle`, { method: 'POST' });
    await openView('System');
    await page.getByText('Live', { exact: true }).first().waitFor();
    await expect.poll(async () => page.getByRole('img', { name: /Webhooks per second/ }).getAttribute('aria-label'), { timeout: 30_000 }).not.toContain('No data');
    await expect.poll(async () => page.locator('.stat', { hasText: 'Dead letters' }).textContent(), { timeout: 15_000 }).toContain('2 events');
    expect(await page.locator('table.table tbody tr').count()).toBe(7);
    await screenshot('system');
  });

  it('lists dead letters, counts a filtered replay first, shows payload and errors, replays one and sees its state change, deletes another', async () => {
    await openView('Dead letters');
    const table = page.getByTestId('events-table');
    await expect.poll(async () => table.locator('tbody tr').count(), { timeout: 15_000 }).toBe(2);
    // Filtered replay: the dry-run count comes first, and cancelling replays nothing.
    await page.getByLabel('Event type').fill('ContactCreate');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByRole('button', { name: 'Replay all matching…' }).click();
    await expect.poll(() => page.getByTestId('dry-run-count').textContent()).toContain('2 dead events match');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect(await statusOf(deadId)).toBe('dead');

    await page.getByRole('button', { name: `Open event ${deadId}, ContactCreate` }).click();
    const detail = page.getByTestId('event-detail');
    await detail.waitFor();
    expect(await detail.textContent()).toContain('2 attempts');
    expect(await detail.locator('ol.errors li').count()).toBe(2);
    expect(await detail.locator('ol.errors').textContent()).toContain('LocationNotInstalled');
    expect(await detail.locator('pre.code').textContent()).toContain('contact-before-install');
    await screenshot('dead-letters');
    await detail.getByRole('button', { name: 'Replay this event' }).click();
    // Its sub-account is connected now: the replay goes through, and the page follows it live.
    await expect.poll(async () => (await detail.getByTestId('event-status').textContent())?.trim(), { timeout: 30_000 }).toBe('done');
    expect(await statusOf(deadId)).toBe('done');
    await screenshot('dead-letters-replayed');

    await detail.getByRole('button', { name: 'Close' }).click();
    await expect.poll(async () => table.locator('tbody tr').count(), { timeout: 15_000 }).toBe(1);
    await page.getByRole('button', { name: `Open event ${deletedId}, ContactCreate` }).click();
    await detail.getByRole('button', { name: 'Delete…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete the event' }).click();
    await page.getByText(`Event ${deletedId} was deleted.`).waitFor();
    expect(await statusOf(deletedId)).toBeUndefined();
    await page.getByText('No dead letters match').waitFor();
  });

  it('shows sync health per location with reconciliation coverage over time', async () => {
    await openView('Sync health');
    const table = page.getByTestId('health-table');
    await table.waitFor({ timeout: 15_000 });
    const contacts = table.locator('tbody tr', { hasText: 'Contacts' });
    await expect.poll(async () => (await contacts.locator('td').first().textContent())?.trim(), { timeout: 15_000 }).not.toBe('0');
    await page.getByRole('button', { name: 'Reconcile now' }).click();
    await page.getByRole('img', { name: /Share of changes that arrived by webhook/ }).waitFor({ timeout: 60_000 });
    await screenshot('sync-health');
  });

  it('shows notification deliveries by channel and status, resends a failed email, shows endpoint health and a refused resend in words, and the sandbox inbox', async () => {
    const login = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: DEMO_ACCOUNTS.adminEmail, password: DEMO_ACCOUNTS.password }) });
    const token = ((await login.json()) as { token: string }).token;
    hooks.respond = (hook) => ({ status: hook.path === '/dash-down' ? 500 : 200 });
    for (const path of ['/dash-ok', '/dash-down']) {
      const created = await apiAs(token, 'POST', '/api/notifications/webhook-endpoints', { url: `${hooks.url}${path}`, eventTypes: ['order.shipped'] });
      expect(created.status).toBe(201);
    }
    const endpointIdOf = async (path: string) => ((await apiAs(token, 'GET', '/api/notifications/webhook-endpoints')).json as { id: string; url: string }[]).find((endpoint) => endpoint.url.endsWith(path))?.id ?? '';
    const okEndpoint = await endpointIdOf('/dash-ok');
    const downEndpoint = await endpointIdOf('/dash-down');
    // One email to the SMTP capture server, and the event to both endpoints (one answers 500).
    const shipped = await apiAs(token, 'POST', '/api/notifications/send', { event: 'order.shipped', recipients: [{ email: 'ada@example.com', name: 'Ada' }], data: { subject: 'Your order 1001 shipped', message: 'It is on its way.' } });
    expect(shipped.status).toBe(202);
    const shippedRows = (shipped.json as { deliveries: ApiDelivery[] }).deliveries;
    const email = shippedRows.find((row) => row.channel === 'email');
    const toOk = shippedRows.find((row) => row.recipient === okEndpoint);
    const toDown = shippedRows.find((row) => row.recipient === downEndpoint);
    await waitForDeliveryStatus(token, email!.id, ['sent']);
    await waitForDeliveryStatus(token, toOk!.id, ['delivered']);
    await waitFor(async () => ((await apiAs(token, 'GET', `/api/notifications/deliveries/${toDown!.id}`)).json as ApiDelivery).reason?.startsWith('retrying') || undefined, 20_000, 'the failing endpoint to be retried');
    // The agency switches to SendGrid with a wrong API key: the next email fails for good, at once (auth_failed).
    expect((await apiAs(token, 'PUT', '/api/notifications/settings', { emailProvider: 'sendgrid', emailFrom: 'billing@demo.test', emailSecret: 'SG.wrong-key' })).status).toBe(200);
    const due = await apiAs(token, 'POST', '/api/notifications/send', { event: 'invoice.due', recipients: [{ email: 'bob@example.com' }], data: { subject: 'Invoice 77 is due', message: 'Please pay.' } });
    const failedId = (due.json as { deliveries: ApiDelivery[] }).deliveries[0]?.id ?? '';
    const failed = await waitForDeliveryStatus(token, failedId, ['failed']);
    expect(failed.reason).toContain('auth_failed');
    // …and fixes the key; the failed email is then resent from the dashboard.
    expect((await apiAs(token, 'PUT', '/api/notifications/settings', { emailSecret: fakes.sendgridApiKey })).status).toBe(200);

    await openView('Notifications');
    await page.getByText('Live', { exact: true }).first().waitFor();
    const counts = page.getByTestId('channel-counts');
    const emailCounts = counts.locator('tbody tr', { hasText: 'Email' });
    await expect.poll(async () => (await emailCounts.locator('td').allTextContents()).map((cell) => cell.trim()), { timeout: 15_000 }).toEqual(['2', '1', '0', '1', '0', '0', '0', '0']);
    // Webhooks: one delivered, one retrying (its second attempt comes 5 s after the first, the third after 5 min).
    const webhookCounts = counts.locator('tbody tr', { hasText: 'Webhook' });
    await expect.poll(async () => (await webhookCounts.locator('td').allTextContents()).map((cell) => cell.trim()), { timeout: 15_000 }).toEqual(['2', '0', '1', '0', '0', '0', '1', '1']);
    expect(await page.getByTestId('delivery-stats').locator('.stat', { hasText: 'Retried' }).locator('.stat-value').textContent()).toBe('1');
    expect(await page.getByTestId('delivery-stats').locator('.stat', { hasText: 'Failed' }).locator('.stat-value').textContent()).toBe('1');

    const table = page.getByTestId('deliveries-table');
    const rowOf = (id: string) => table.locator(`tr[data-delivery-id="${id}"]`);
    await rowOf(email!.id).waitFor();
    expect(await rowOf(email!.id).textContent()).toContain('ada@example.com');
    expect(await rowOf(email!.id).locator('.pill').textContent()).toBe('sent');
    expect(await rowOf(email!.id).textContent()).toContain('smtp');
    const failedRow = rowOf(failedId);
    expect(await failedRow.locator('.pill').textContent()).toBe('failed');
    expect(await failedRow.textContent()).toContain(failed.reason ?? 'no reason');
    expect(await rowOf(toDown!.id).textContent()).toContain('retrying: HTTP 500');
    expect(await rowOf(toDown!.id).getByRole('button', { name: /Resend/ }).count()).toBe(0);

    // Filters: failed email only.
    await page.getByLabel('Channel').selectOption('email');
    await page.getByLabel('Status').selectOption('failed');
    await expect.poll(async () => table.locator('tbody tr').count(), { timeout: 10_000 }).toBe(1);
    expect(page.url()).toContain('status=failed');
    await screenshot('notifications-failed');
    await failedRow.getByRole('button', { name: `Resend delivery ${failedId}` }).click();
    await page.getByText(`Delivery ${failedId} is being sent again as`).waitFor();
    await page.getByLabel('Status').selectOption('');
    const resent = table.locator('tbody tr', { hasText: `resend of ${failedId}` });
    await expect.poll(async () => (await resent.locator('.pill').textContent())?.trim(), { timeout: 20_000 }).toBe('sent');
    expect(await resent.textContent()).toContain('bob@example.com');

    // Endpoint health: the failing one since its first failure, the healthy one delivered.
    await page.getByLabel('Channel').selectOption('webhook');
    const health = page.getByTestId('endpoint-health');
    const down = health.locator('tbody tr', { hasText: '/dash-down' });
    const ok = health.locator('tbody tr', { hasText: '/dash-ok' });
    expect(await down.textContent()).toMatch(/enabled.*ago.*queued.*retrying: HTTP 500/);
    expect(await ok.textContent()).toMatch(/enabled.*not failing.*delivered/);
    // Another admin disables the healthy endpoint meanwhile: the resend is refused, and the page says why.
    expect((await apiAs(token, 'PATCH', `/api/notifications/webhook-endpoints/${okEndpoint}`, { isEnabled: false })).status).toBe(200);
    await rowOf(toOk!.id).getByRole('button', { name: `Resend delivery ${toOk!.id}` }).click();
    await expect.poll(() => page.getByTestId('resend-error').textContent()).toContain('The webhook endpoint of this delivery is disabled; enable it again before resending');
    await expect.poll(async () => ok.locator('.pill').first().textContent(), { timeout: 15_000 }).toBe('disabled');
    await screenshot('notifications');

    // The sandbox inbox: what the SMTP capture server received, this agency's only.
    await page.getByRole('tab', { name: 'Sandbox inbox' }).click();
    const inbox = page.getByTestId('sandbox-inbox');
    await inbox.waitFor();
    const toAda = inbox.locator('tbody tr', { hasText: 'ada@example.com' });
    expect(await toAda.textContent()).toContain('Your order 1001 shipped');
    expect(await toAda.textContent()).toContain('It is on its way.');
    expect(await toAda.textContent()).toContain('Email');
    const toBob = inbox.locator('tbody tr', { hasText: 'bob@example.com' });
    expect(await toBob.count()).toBe(1);
    expect(await toBob.textContent()).toContain('Invoice 77 is due');
    expect(await toBob.textContent()).toContain('sendgrid');
    await screenshot('notifications-inbox');
    await page.getByRole('tab', { name: 'Deliveries' }).click();
    await page.getByTestId('channel-counts').waitFor();
  });

  it('is readable at 390 px, keyboard-usable and follows the colour scheme', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [title, name] of [['System', 'system'], ['Dead letters', 'dead-letters'], ['Installs', 'installs'], ['Sync health', 'sync-health'], ['Notifications', 'notifications'], ['Account', 'account']] as const) {
      await openView(title);
      await page.waitForTimeout(300);
      await expectNoHorizontalScroll();
      await screenshot(`${name}-390`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    // Keyboard: the first Tab reaches the skip link; the navigation works with Enter.
    await page.goto(`${base}/dashboard/system`);
    await page.getByRole('heading', { level: 1, name: 'System' }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    await page.getByRole('link', { name: 'Installs' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Installs' }).waitFor();
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');

    const background = 'getComputedStyle(document.documentElement).backgroundColor';
    const light = await page.evaluate(background);
    await page.emulateMedia({ colorScheme: 'dark' });
    const dark = await page.evaluate(background);
    expect(dark).not.toBe(light);
    await openView('System');
    await screenshot('system-dark');
    await page.emulateMedia({ colorScheme: 'light' });
  });

  it('lists your sessions and signs another one out: its token is refused at once', async () => {
    const login = await fetch(`${base}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' },
      body: JSON.stringify({ email: DEMO_ACCOUNTS.adminEmail, password: DEMO_ACCOUNTS.password }),
    });
    const { token } = (await login.json()) as { token: string };
    expect((await apiAs(token, 'GET', '/api/auth/me')).status).toBe(200);
    await openView('Account');
    const table = page.getByTestId('sessions-table');
    await table.waitFor();
    await table.getByText('this session').waitFor();
    const firefox = table.getByRole('row').filter({ hasText: 'Firefox on Linux' });
    await firefox.waitFor();
    await screenshot('account');
    await firefox.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Signed out Firefox on Linux');
    await expect.poll(() => table.getByRole('row').filter({ hasText: 'Firefox on Linux' }).count()).toBe(0);
    expect((await apiAs(token, 'GET', '/api/auth/me')).status).toBe(401);
  });

  it('changes the password from the Account page: a wrong current one is refused in words, the new one logs in', async () => {
    const form = page.getByRole('form', { name: 'Change password' });
    await form.getByLabel('Current password').fill('not-the-password');
    // The label's name includes its hint ("At least 10 characters…").
    await form.getByLabel(/^New password(?! again)/).fill('a-new-demo-passphrase');
    await form.getByLabel('New password again').fill('a-new-demo-passphrase');
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByTestId('password-error').textContent()).toContain('The current password is not correct');
    // Still signed in: a refused password is not a lost session.
    await page.getByRole('heading', { level: 1, name: 'Account' }).waitFor();
    await form.getByLabel('Current password').fill(DEMO_ACCOUNTS.password);
    await form.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Password changed.');
    const login = (password: string) => fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: DEMO_ACCOUNTS.adminEmail, password }) });
    expect((await login(DEMO_ACCOUNTS.password)).status).toBe(401);
    expect((await login('a-new-demo-passphrase')).status).toBe(200);
  });

  it('respects roles, logs out, and returns to the login page when the session expires', async () => {
    const cookieBefore = (await page.context().cookies()).find((cookie) => cookie.name === 'sb_session')?.value ?? '';
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByText('You are logged out.').waitFor();
    // Logging out ended the session itself: the old cookie, replayed, is no session.
    const replayed = await fetch(`${base}/api/auth/me`, { headers: { cookie: `sb_session=${cookieBefore}` } });
    expect(replayed.status).toBe(401);
    await page.getByLabel('Email').fill(DEMO_ACCOUNTS.memberEmail);
    await page.getByLabel('Password').fill(DEMO_ACCOUNTS.password);
    await page.getByRole('button', { name: 'Log in', exact: true }).click();
    const nav = page.getByRole('navigation', { name: 'Dashboard views' });
    await nav.getByRole('link', { name: 'Installs' }).waitFor();
    expect(await nav.getByRole('link').allTextContents()).toEqual(['Installs', 'Sync health', 'Account']);
    expect(await page.getByRole('button', { name: 'Connect GoHighLevel' }).count()).toBe(0);
    await screenshot('member-installs');

    // The cookie is gone (expired): the next request answers 401 and the dashboard shows the login page.
    await page.context().clearCookies();
    const sessionEnded = page.getByText('Your session has ended. Log in again to continue.');
    // A live view's own request may meet the 401 first and show the login page before the click (seen in CI).
    if (!(await sessionEnded.isVisible())) {
      await nav.getByRole('link', { name: 'Sync health' }).click({ timeout: 10_000 }).catch(async (error: unknown) => {
        if (!(await sessionEnded.isVisible())) throw error;
      });
    }
    await sessionEnded.waitFor({ timeout: 15_000 });
  });
});

describe.skipIf(availability.isAvailable || !availability.isRequired)('dashboard browser test prerequisites', () => {
  it('has Chromium installed where CI requires it', () => {
    throw new Error(availability.message);
  });
});
