import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from './sandbox-server.js';
import { authorizeApp, callGhl, startWebhookReceiver, type ReceivedWebhook, type WebhookReceiver } from './sandbox-test-kit.js';
import type { SandboxHandle } from './sandbox.types.js';

function typesOf(received: ReceivedWebhook[]): string[] {
  return received.map((webhook) => String(webhook.body['type']));
}

/** Waits until one of the sandbox's delivery counters reaches a value: a positive sign that a delivery has ended. */
async function waitForStat(sandbox: SandboxHandle, key: 'webhooksFailed' | 'webhooksDropped' | 'webhooksSuppressed', atLeast: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (sandbox.stats()[key] < atLeast) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${key} >= ${atLeast} (is ${sandbox.stats()[key]})`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function postJson(sandbox: SandboxHandle, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${sandbox.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

describe('sandbox webhooks', () => {
  let sandbox: SandboxHandle;
  let receiver: WebhookReceiver;
  let accessToken: string;
  let locationId: string;

  beforeAll(async () => {
    // The legacy RSA header is off by default (GHL no longer sends it); these tests check it when on.
    sandbox = await startSandbox({ seed: 11, locations: 2, contacts: 40, webhookRetryIntervalMs: 20, quirks: { sendLegacyRsaSignature: true } });
    receiver = await startWebhookReceiver(sandbox.webhookPublicKeys);
    sandbox.setWebhookUrl(receiver.url);
    locationId = sandbox.locationIds[0] ?? '';
    accessToken = (await authorizeApp(sandbox, { locationIds: [locationId] })).access_token;
    await receiver.waitFor((received) => typesOf(received).includes('INSTALL'));
    receiver.received.length = 0;
  });
  afterEach(() => {
    receiver.respondWith = 200;
    sandbox.setFaults({});
    receiver.received.length = 0;
  });
  afterAll(async () => {
    await sandbox.close();
    await receiver.close();
  });

  it('sends INSTALL on consent, signed with Ed25519 and RSA over the raw body', async () => {
    const other = await authorizeApp(sandbox, { locationIds: [sandbox.locationIds[1] ?? ''] });
    expect(other.locationId).toBe(sandbox.locationIds[1]);
    const [install] = await receiver.waitFor((received) => received.some((webhook) => webhook.body['type'] === 'INSTALL'));
    expect(install?.body).toMatchObject({ type: 'INSTALL', appId: 'sandbox', installType: 'Location', locationId: sandbox.locationIds[1], companyId: sandbox.companyId });
    expect(install?.body['webhookId']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Number.isNaN(Date.parse(String(install?.body['timestamp'])))).toBe(false);
    expect(install?.isEd25519Valid).toBe(true);
    expect(install?.isRsaValid).toBe(true);
    const keys = (await (await fetch(`${sandbox.baseUrl}/sandbox/public-keys`)).json()) as { ed25519Pem: string };
    expect(keys.ed25519Pem).toBe(sandbox.webhookPublicKeys.ed25519Pem);
  });

  it('fans out an opportunity create into OpportunityCreate + OpportunityUpdate', async () => {
    const pipelines = await callGhl(sandbox, accessToken, 'GET', `/opportunities/pipelines?locationId=${locationId}`);
    const pipeline = (pipelines.body['pipelines'] as { id: string }[])[0];
    const contact = await callGhl(sandbox, accessToken, 'POST', '/contacts/', { locationId, firstName: 'Webhook', lastName: 'Tester', email: 'webhook.tester@example.com', phone: '+15125550199' });
    expect(contact.status).toBe(201);
    const contactId = (contact.body['contact'] as { id: string }).id;
    const created = await callGhl(sandbox, accessToken, 'POST', '/opportunities/', { locationId, pipelineId: pipeline?.id, name: 'Deal', status: 'open', contactId, monetaryValue: 500 });
    expect(created.status).toBe(201);
    const received = await receiver.waitFor((all) => typesOf(all).filter((type) => type.startsWith('Opportunity')).length >= 2);
    // Deliveries run concurrently (as GHL's do), so arrival order is not part of the contract.
    expect([...typesOf(received)].sort()).toEqual(['ContactCreate', 'OpportunityCreate', 'OpportunityUpdate']);
    expect(received.find((webhook) => webhook.body['type'] === 'OpportunityCreate')?.body).toMatchObject({ locationId, contactId, monetaryValue: 500, status: 'open', pipelineId: pipeline?.id });
    const opportunityId = (created.body['opportunity'] as { id: string }).id;
    await callGhl(sandbox, accessToken, 'PUT', `/opportunities/${opportunityId}/status`, { status: 'won' });
    await receiver.waitFor((all) => typesOf(all).includes('OpportunityStatusUpdate') && typesOf(all).filter((type) => type === 'OpportunityUpdate').length >= 2);
    expect([...typesOf(receiver.received).slice(-2)].sort()).toEqual(['OpportunityStatusUpdate', 'OpportunityUpdate']);
  });

  it('retries only on 429, six times, spaced by the configured interval', async () => {
    receiver.respondWith = 429;
    const before = sandbox.stats();
    await postJson(sandbox, '/sandbox/simulate/edit-contact', { contactId: (await firstContactId()) });
    // The delivery has ended (its last 429 counts as failed): nothing more can arrive for it.
    await waitForStat(sandbox, 'webhooksFailed', before.webhooksFailed + 1);
    expect(receiver.received).toHaveLength(7);
    expect(sandbox.stats().webhooksRetried - before.webhooksRetried).toBe(6);
    const ids = new Set(receiver.received.map((webhook) => webhook.body['webhookId']));
    expect(ids.size).toBe(1);
    receiver.received.length = 0;
    receiver.respondWith = 500;
    const beforeServerError = sandbox.stats();
    await postJson(sandbox, '/sandbox/simulate/edit-contact', { contactId: (await firstContactId()) });
    await waitForStat(sandbox, 'webhooksFailed', beforeServerError.webhooksFailed + 1);
    expect(receiver.received).toHaveLength(1);
    expect(sandbox.stats().webhooksRetried).toBe(beforeServerError.webhooksRetried);
  });

  it('delivers simulation events: inbound text, opportunity move, bulk import', async () => {
    const inbound = await postJson(sandbox, '/sandbox/simulate/inbound-message', { locationId, phone: '+15125550142', body: 'Hello there' });
    expect(inbound['messageId']).toBeTypeOf('string');
    await receiver.waitFor((all) => typesOf(all).includes('InboundMessage'));
    const message = receiver.received.find((webhook) => webhook.body['type'] === 'InboundMessage');
    expect(message?.body).toMatchObject({ locationId, direction: 'inbound', messageType: 'SMS', body: 'Hello there', conversationId: inbound['conversationId'] });
    expect(typesOf(receiver.received)).toContain('ContactCreate');
    receiver.received.length = 0;
    await postJson(sandbox, '/sandbox/simulate/move-opportunity', { locationId });
    await receiver.waitFor((all) => typesOf(all).includes('OpportunityStageUpdate'));
    receiver.received.length = 0;
    await postJson(sandbox, '/sandbox/simulate/bulk-import', { locationId, count: 25 });
    await receiver.waitFor((all) => all.filter((webhook) => webhook.body['type'] === 'ContactCreate').length === 25);
    expect(receiver.received.every((webhook) => webhook.isEd25519Valid)).toBe(true);
  });

  it('injects duplicate and dropped deliveries', async () => {
    sandbox.setFaults({ webhookDuplicateRate: 1 });
    await postJson(sandbox, '/sandbox/simulate/bulk-import', { locationId, count: 3 });
    await receiver.waitFor((all) => all.length >= 6);
    expect(new Set(receiver.received.map((webhook) => webhook.body['webhookId'])).size).toBe(3);
    receiver.received.length = 0;
    sandbox.setFaults({ webhookDropRate: 1 });
    const dropped = sandbox.stats().webhooksDropped;
    await postJson(sandbox, '/sandbox/simulate/bulk-import', { locationId, count: 3 });
    await waitForStat(sandbox, 'webhooksDropped', dropped + 3);
    expect(receiver.received).toHaveLength(0);
  });

  it('injects out-of-order deliveries', async () => {
    sandbox.setFaults({ webhookReorderRate: 1, webhookReorderDelayMs: 80 }, locationId);
    const first = await postJson(sandbox, '/sandbox/simulate/bulk-import', { locationId, count: 1 });
    sandbox.setFaults({}, locationId);
    const second = await postJson(sandbox, '/sandbox/simulate/bulk-import', { locationId, count: 1 });
    await receiver.waitFor((all) => all.length >= 2);
    expect(receiver.received.map((webhook) => webhook.body['id'])).toEqual([second['firstContactId'], first['firstContactId']]);
  });

  it('sends UNINSTALL and stops events for the location', async () => {
    const result = await postJson(sandbox, '/sandbox/uninstall', { locationId: sandbox.locationIds[1] });
    expect(result['uninstalled']).toEqual([sandbox.locationIds[1]]);
    await receiver.waitFor((all) => typesOf(all).includes('UNINSTALL'));
    expect(receiver.received[0]?.body).toMatchObject({ type: 'UNINSTALL', appId: 'sandbox', locationId: sandbox.locationIds[1] });
    receiver.received.length = 0;
    const suppressed = sandbox.stats().webhooksSuppressed;
    await postJson(sandbox, '/sandbox/simulate/bulk-import', { locationId: sandbox.locationIds[1], count: 2 });
    await waitForStat(sandbox, 'webhooksSuppressed', suppressed + 2);
    expect(receiver.received).toHaveLength(0);
  });

  it('sends no legacy x-wh-signature by default, as GHL since its 2026 deprecation', async () => {
    const plain = await startSandbox({ seed: 12, locations: 1, contacts: 5 });
    const plainReceiver = await startWebhookReceiver(plain.webhookPublicKeys);
    try {
      plain.setWebhookUrl(plainReceiver.url);
      await authorizeApp(plain);
      const [install] = await plainReceiver.waitFor((received) => received.some((webhook) => webhook.body['type'] === 'INSTALL'));
      expect(install?.isEd25519Valid).toBe(true);
      expect(install?.headers['x-wh-signature']).toBeUndefined();
      expect(install?.isRsaValid).toBeUndefined();
    } finally {
      await plain.close();
      await plainReceiver.close();
    }
  });

  async function firstContactId(): Promise<string> {
    const search = await callGhl(sandbox, accessToken, 'POST', '/contacts/search', { locationId, pageLimit: 1 });
    return (search.body['contacts'] as { id: string }[])[0]?.id ?? '';
  }
});
