import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase } from '../../../test/support/test-database.js';
import { queryRows, type Database } from '../../platform/db/index.js';
import { createDeliveryLookups } from './delivery-lookups.js';
import { findDeliveries, insertDeliveries, recordDeliveriesSent, upsertTemplate, type DeliveryInsert } from './notifications.repo.js';

let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database.close());

function delivery(id: string, companyId: string, status = 'queued'): DeliveryInsert {
  return { id, companyId, locationId: null, event: 'repo.test', channel: 'email', recipient: `${id}@example.com`, status, data: {}, messageId: `msg_${id}` };
}

describe('notifications repo: the send jobs\' batched reads and writes', () => {
  it('records sends that ended together in one statement: each marked sent with one usage row; a delivered one stays delivered; a repeat adds nothing', async () => {
    await insertDeliveries(database.db, [delivery('dlv_b1', 'co_batch'), delivery('dlv_b2', 'co_batch'), delivery('dlv_b3', 'co_other', 'delivered')]);
    const at = new Date('2026-01-02T03:04:05.000Z');
    const sent = (id: string, units: number) => ({ id, providerMessageId: `pm_${id}`, provider: 'resend', attempts: 1, at, usage: { channel: 'email', units, unitCostMillicents: 7, markupBps: 1500 } });
    await recordDeliveriesSent(database.db, [sent('dlv_b1', 1), sent('dlv_b2', 2), sent('dlv_b3', 1), sent('dlv_b1', 1)]);
    await recordDeliveriesSent(database.db, [sent('dlv_b2', 2)]);
    const rows = new Map((await findDeliveries(database.db, ['dlv_b1', 'dlv_b2', 'dlv_b3', 'dlv_missing'])).map((row) => [row.id, row]));
    expect(rows.size).toBe(3);
    expect(rows.get('dlv_b1')).toMatchObject({ status: 'sent', providerMessageId: 'pm_dlv_b1', provider: 'resend', attempts: 1, inFlightAttempt: 0, sentAt: at });
    expect(rows.get('dlv_b2')).toMatchObject({ status: 'sent', providerMessageId: 'pm_dlv_b2' });
    expect(rows.get('dlv_b3')).toMatchObject({ status: 'delivered', providerMessageId: 'pm_dlv_b3' });
    const usage = await queryRows<{ deliveryId: string; companyId: string; units: number; baseCost: number }>(
      database.db,
      sql`select delivery_id as "deliveryId", company_id as "companyId", units, base_cost_millicents::int as "baseCost" from notification_usage where delivery_id like 'dlv_b%' order by delivery_id`,
    );
    expect(usage).toEqual([
      { deliveryId: 'dlv_b1', companyId: 'co_batch', units: 1, baseCost: 7 },
      { deliveryId: 'dlv_b2', companyId: 'co_batch', units: 2, baseCost: 14 },
      { deliveryId: 'dlv_b3', companyId: 'co_other', units: 1, baseCost: 7 },
    ]);
  });

  it('shares lookups between concurrent callers without caching: a template changed after a read is read anew', async () => {
    await insertDeliveries(database.db, [delivery('dlv_l1', 'co_look'), delivery('dlv_l2', 'co_look')]);
    const lookups = createDeliveryLookups(database);
    const [first, second, missing] = await Promise.all([lookups.delivery('dlv_l1'), lookups.delivery('dlv_l2'), lookups.delivery('dlv_nope')]);
    expect([first?.id, second?.id, missing]).toEqual(['dlv_l1', 'dlv_l2', undefined]);
    const key = { companyId: 'co_look', event: 'repo.test', channel: 'email' };
    expect(await lookups.template(key)).toBeUndefined();
    await upsertTemplate(database.db, { id: 'tpl_look', companyId: 'co_look', event: 'repo.test', channel: 'email', subject: 'Hi', text: 'v1' });
    expect((await lookups.template(key))?.text).toBe('v1');
    await upsertTemplate(database.db, { id: 'tpl_look', companyId: 'co_look', event: 'repo.test', channel: 'email', subject: 'Hi', text: 'v2' });
    const [again, other] = await Promise.all([lookups.template(key), lookups.template({ ...key, companyId: 'co_none' })]);
    expect([again?.text, other]).toEqual(['v2', undefined]);
  });
});
