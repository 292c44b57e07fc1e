import { and, asc, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Executor } from '../../platform/db/index.js';
import {
  notificationDeliveries,
  notificationPreferences,
  notificationSettings,
  notificationTemplates,
  notificationUsage,
  smsOptOuts,
  webhookEndpoints,
} from './notifications.tables.js';

export type DeliveryRow = typeof notificationDeliveries.$inferSelect;
export type DeliveryInsert = typeof notificationDeliveries.$inferInsert;
export type SettingsRow = typeof notificationSettings.$inferSelect;
export type TemplateRow = typeof notificationTemplates.$inferSelect;
export type PreferenceRow = typeof notificationPreferences.$inferSelect;
export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type UsageInsert = typeof notificationUsage.$inferInsert;

// Settings ---------------------------------------------------------------------------------------

export async function findSettings(tx: Executor, companyId: string): Promise<SettingsRow | undefined> {
  const [row] = await tx.select().from(notificationSettings).where(eq(notificationSettings.companyId, companyId));
  return row;
}

/** The settings of many companies in one query (the send jobs' shared lookups). */
export async function findSettingsOf(tx: Executor, companyIds: readonly string[]): Promise<SettingsRow[]> {
  if (companyIds.length === 0) return [];
  return tx.select().from(notificationSettings).where(inArray(notificationSettings.companyId, [...companyIds]));
}

export async function findSettingsBySmsSender(tx: Executor, sender: string): Promise<SettingsRow | undefined> {
  const [row] = await tx.select().from(notificationSettings).where(eq(notificationSettings.smsFrom, sender));
  return row;
}

/** Whether another agency already sends SMS from this number (read across tenants: call with the root handle). */
export async function isSmsSenderTakenByOther(executor: Executor, companyId: string, sender: string): Promise<boolean> {
  const rows = await executor
    .select({ companyId: notificationSettings.companyId })
    .from(notificationSettings)
    .where(and(eq(notificationSettings.smsFrom, sender), sql`${notificationSettings.companyId} <> ${companyId}`));
  return rows.length > 0;
}

export async function upsertSettings(tx: Executor, row: typeof notificationSettings.$inferInsert): Promise<SettingsRow> {
  const { companyId: _companyId, ...changes } = row;
  const [stored] = await tx.insert(notificationSettings).values(row).onConflictDoUpdate({ target: notificationSettings.companyId, set: changes }).returning();
  if (!stored) throw new Error('notification settings upsert returned no row');
  return stored;
}

// Templates --------------------------------------------------------------------------------------

export async function findTemplate(tx: Executor, companyId: string, event: string, channel: string): Promise<TemplateRow | undefined> {
  const [row] = await tx
    .select()
    .from(notificationTemplates)
    .where(and(eq(notificationTemplates.companyId, companyId), eq(notificationTemplates.event, event), eq(notificationTemplates.channel, channel)));
  return row;
}

export interface TemplateKey {
  companyId: string;
  event: string;
  channel: string;
}

/** Many (company, event, channel) templates in one query; keys without a template have no row. */
export async function findTemplatesOf(tx: Executor, keys: readonly TemplateKey[]): Promise<TemplateRow[]> {
  if (keys.length === 0) return [];
  return tx
    .select()
    .from(notificationTemplates)
    .where(
      sql`(${notificationTemplates.companyId}, ${notificationTemplates.event}, ${notificationTemplates.channel}) in (
        select * from unnest(${sql.param(keys.map((key) => key.companyId))}::text[], ${sql.param(keys.map((key) => key.event))}::text[], ${sql.param(keys.map((key) => key.channel))}::text[]))`,
    );
}

export async function listTemplates(tx: Executor, companyId: string): Promise<TemplateRow[]> {
  return tx.select().from(notificationTemplates).where(eq(notificationTemplates.companyId, companyId)).orderBy(asc(notificationTemplates.event), asc(notificationTemplates.channel));
}

export async function upsertTemplate(tx: Executor, row: typeof notificationTemplates.$inferInsert): Promise<TemplateRow> {
  const [stored] = await tx
    .insert(notificationTemplates)
    .values(row)
    .onConflictDoUpdate({
      target: [notificationTemplates.companyId, notificationTemplates.event, notificationTemplates.channel],
      set: { subject: row.subject ?? null, text: row.text, html: row.html ?? null, updatedAt: row.updatedAt ?? new Date() },
    })
    .returning();
  if (!stored) throw new Error('template upsert returned no row');
  return stored;
}

export async function deleteTemplate(tx: Executor, companyId: string, event: string, channel: string): Promise<boolean> {
  const rows = await tx
    .delete(notificationTemplates)
    .where(and(eq(notificationTemplates.companyId, companyId), eq(notificationTemplates.event, event), eq(notificationTemplates.channel, channel)))
    .returning({ id: notificationTemplates.id });
  return rows.length > 0;
}

// Preferences ------------------------------------------------------------------------------------

export async function findPreferences(tx: Executor, companyId: string, recipientKeys: readonly string[]): Promise<PreferenceRow[]> {
  if (recipientKeys.length === 0) return [];
  return tx
    .select()
    .from(notificationPreferences)
    .where(and(eq(notificationPreferences.companyId, companyId), inArray(notificationPreferences.recipientKey, [...recipientKeys])));
}

/** Preferences of many (company, recipient key) pairs in one query. */
export async function findPreferencesOf(tx: Executor, keys: readonly { companyId: string; recipientKey: string }[]): Promise<PreferenceRow[]> {
  if (keys.length === 0) return [];
  return tx
    .select()
    .from(notificationPreferences)
    .where(
      sql`(${notificationPreferences.companyId}, ${notificationPreferences.recipientKey}) in (
        select * from unnest(${sql.param(keys.map((key) => key.companyId))}::text[], ${sql.param(keys.map((key) => key.recipientKey))}::text[]))`,
    );
}

export async function upsertPreferences(tx: Executor, row: typeof notificationPreferences.$inferInsert): Promise<PreferenceRow> {
  const { companyId: _companyId, recipientKey: _recipientKey, ...changes } = row;
  const [stored] = await tx
    .insert(notificationPreferences)
    .values(row)
    .onConflictDoUpdate({ target: [notificationPreferences.companyId, notificationPreferences.recipientKey], set: changes })
    .returning();
  if (!stored) throw new Error('preferences upsert returned no row');
  return stored;
}

export async function markUnsubscribed(tx: Executor, companyId: string, recipientKey: string, at: Date): Promise<void> {
  await tx
    .insert(notificationPreferences)
    .values({ companyId, recipientKey, isUnsubscribed: true, updatedAt: at })
    .onConflictDoUpdate({ target: [notificationPreferences.companyId, notificationPreferences.recipientKey], set: { isUnsubscribed: true, updatedAt: at } });
}

// SMS opt-outs -----------------------------------------------------------------------------------

export async function insertOptOut(tx: Executor, input: { sender: string; phone: string; keyword: string; at: Date }): Promise<void> {
  await tx
    .insert(smsOptOuts)
    .values({ sender: input.sender, phone: input.phone, keyword: input.keyword, optedOutAt: input.at })
    .onConflictDoUpdate({ target: [smsOptOuts.sender, smsOptOuts.phone], set: { keyword: input.keyword, optedOutAt: input.at } });
}

export async function deleteOptOut(tx: Executor, sender: string, phone: string): Promise<void> {
  await tx.delete(smsOptOuts).where(and(eq(smsOptOuts.sender, sender), eq(smsOptOuts.phone, phone)));
}

export async function isOptedOut(tx: Executor, sender: string, phone: string): Promise<boolean> {
  const rows = await tx.select({ phone: smsOptOuts.phone }).from(smsOptOuts).where(and(eq(smsOptOuts.sender, sender), eq(smsOptOuts.phone, phone)));
  return rows.length > 0;
}

// Deliveries -------------------------------------------------------------------------------------

/** Inserts deliveries; one whose (company, source key, channel, recipient) exists is left out. Answers the inserted rows. */
export async function insertDeliveries(tx: Executor, rows: DeliveryInsert[]): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  return tx.insert(notificationDeliveries).values(rows).onConflictDoNothing().returning();
}

export async function findDelivery(tx: Executor, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await tx.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, id));
  return row;
}

/** Many deliveries by id in one query (the send jobs' shared lookups); unknown ids have no row. */
export async function findDeliveries(tx: Executor, ids: readonly string[]): Promise<DeliveryRow[]> {
  if (ids.length === 0) return [];
  return tx.select().from(notificationDeliveries).where(inArray(notificationDeliveries.id, [...ids]));
}

export async function lockDelivery(tx: Executor, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await tx.select().from(notificationDeliveries).where(eq(notificationDeliveries.id, id)).for('update');
  return row;
}

export async function findDeliveryByProviderMessage(tx: Executor, provider: string, providerMessageId: string): Promise<DeliveryRow | undefined> {
  const [row] = await tx
    .select()
    .from(notificationDeliveries)
    .where(and(eq(notificationDeliveries.provider, provider), eq(notificationDeliveries.providerMessageId, providerMessageId)));
  return row;
}

export async function updateDelivery(tx: Executor, id: string, changes: Partial<DeliveryInsert>): Promise<void> {
  await tx.update(notificationDeliveries).set(changes).where(eq(notificationDeliveries.id, id));
}

export interface DeliveryFilter {
  companyId: string;
  channel?: string | undefined;
  status?: string | undefined;
  event?: string | undefined;
  recipient?: string | undefined;
  limit: number;
  offset: number;
}

export async function selectDeliveries(tx: Executor, filter: DeliveryFilter): Promise<{ rows: DeliveryRow[]; total: number }> {
  const conditions: SQL[] = [eq(notificationDeliveries.companyId, filter.companyId)];
  if (filter.channel) conditions.push(eq(notificationDeliveries.channel, filter.channel));
  if (filter.status) conditions.push(eq(notificationDeliveries.status, filter.status));
  if (filter.event) conditions.push(eq(notificationDeliveries.event, filter.event));
  if (filter.recipient) conditions.push(eq(notificationDeliveries.recipient, filter.recipient));
  const where = and(...conditions);
  const rows = await tx.select().from(notificationDeliveries).where(where).orderBy(desc(notificationDeliveries.createdAt), desc(notificationDeliveries.id)).limit(filter.limit).offset(filter.offset);
  const [count] = await tx.select({ total: sql<number>`count(*)::int` }).from(notificationDeliveries).where(where);
  return { rows, total: Number(count?.total ?? 0) };
}

export interface DeliveryCount {
  channel: string;
  status: string;
  total: number;
  retried: number;
}

export async function countDeliveries(tx: Executor, companyId: string, since: Date): Promise<DeliveryCount[]> {
  const rows = await queryRows<{ channel: string; status: string; total: number; retried: number }>(
    tx,
    sql`select channel, status, count(*)::int as "total", count(*) filter (where attempts > 1)::int as "retried"
      from notification_deliveries where company_id = ${companyId} and created_at >= ${since.toISOString()}::timestamptz
      group by channel, status order by channel, status`,
  );
  return rows.map((row) => ({ ...row, total: Number(row.total), retried: Number(row.retried) }));
}

export interface LatestEndpointDelivery {
  endpointId: string;
  id: string;
  status: string;
  reason: string | null;
  attempts: number;
  updatedAt: Date;
}

/** The newest delivery to each of these endpoints (of one company): its status is the endpoint's last status. */
export async function listLatestEndpointDeliveries(tx: Executor, companyId: string, endpointIds: readonly string[]): Promise<Map<string, LatestEndpointDelivery>> {
  if (endpointIds.length === 0) return new Map();
  const rows = await queryRows<{ endpointId: string; id: string; status: string; reason: string | null; attempts: number; updatedAt: string | Date }>(
    tx,
    sql`select endpoint.id as "endpointId", latest.id, latest.status, latest.reason, latest.attempts, latest.updated_at as "updatedAt"
      from (values ${sql.join(
        endpointIds.map((id) => sql`(${id}::text)`),
        sql`, `,
      )}) as endpoint(id)
      cross join lateral (
        select id, status, reason, attempts, updated_at from notification_deliveries
        where company_id = ${companyId} and channel = 'webhook' and recipient = endpoint.id
        order by created_at desc, id desc limit 1
      ) latest`,
  );
  return new Map(rows.map((row) => [row.endpointId, { ...row, attempts: Number(row.attempts), updatedAt: new Date(row.updatedAt) }]));
}

/** Deliveries whose ids the fakes captured, restricted to one company (the captured inbox API). */
export async function listCompanyDeliveryIds(tx: Executor, companyId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await tx
    .select({ id: notificationDeliveries.id })
    .from(notificationDeliveries)
    .where(and(eq(notificationDeliveries.companyId, companyId), inArray(notificationDeliveries.id, [...ids])));
  return new Set(rows.map((row) => row.id));
}

// Usage ------------------------------------------------------------------------------------------

export async function insertUsage(tx: Executor, row: UsageInsert): Promise<void> {
  await tx.insert(notificationUsage).values(row).onConflictDoNothing();
}

export interface UsageLineRow {
  channel: string;
  provider: string;
  markupBps: number;
  messages: number;
  units: number;
  baseCostMillicents: number;
}

/** Usage of one company in [from, to), grouped by channel, provider and the markup in force when sent. */
export async function sumUsage(tx: Executor, companyId: string, from: Date, to: Date): Promise<UsageLineRow[]> {
  const rows = await queryRows<{ channel: string; provider: string; markupBps: number; messages: number; units: number; baseCostMillicents: string | number }>(
    tx,
    sql`select channel, provider, markup_bps as "markupBps", count(*)::int as "messages", sum(units)::int as "units",
        sum(base_cost_millicents)::bigint as "baseCostMillicents"
      from notification_usage
      where company_id = ${companyId} and occurred_at >= ${from.toISOString()}::timestamptz and occurred_at < ${to.toISOString()}::timestamptz
      group by channel, provider, markup_bps order by channel, provider, markup_bps`,
  );
  return rows.map((row) => ({ ...row, markupBps: Number(row.markupBps), messages: Number(row.messages), units: Number(row.units), baseCostMillicents: Number(row.baseCostMillicents) }));
}

// Webhook endpoints ------------------------------------------------------------------------------

export async function insertEndpoint(tx: Executor, row: typeof webhookEndpoints.$inferInsert): Promise<EndpointRow> {
  const [stored] = await tx.insert(webhookEndpoints).values(row).returning();
  if (!stored) throw new Error('endpoint insert returned no row');
  return stored;
}

export async function findEndpoint(tx: Executor, companyId: string, id: string): Promise<EndpointRow | undefined> {
  const [row] = await tx.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, id)));
  return row;
}

export async function lockEndpoint(tx: Executor, id: string): Promise<EndpointRow | undefined> {
  const [row] = await tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).for('update');
  return row;
}

export async function listEndpoints(tx: Executor, companyId: string): Promise<EndpointRow[]> {
  return tx.select().from(webhookEndpoints).where(eq(webhookEndpoints.companyId, companyId)).orderBy(asc(webhookEndpoints.createdAt), asc(webhookEndpoints.id));
}

/** Enabled endpoints of a company that take this event (empty filter = all) for this location (null = company-wide endpoints only). */
export async function listSubscribedEndpoints(tx: Executor, companyId: string, locationId: string | null, event: string): Promise<EndpointRow[]> {
  const location = locationId === null ? isNull(webhookEndpoints.locationId) : or(isNull(webhookEndpoints.locationId), eq(webhookEndpoints.locationId, locationId));
  return tx
    .select()
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.companyId, companyId),
        eq(webhookEndpoints.isEnabled, true),
        location,
        sql`(cardinality(${webhookEndpoints.eventTypes}) = 0 or ${event} = any(${webhookEndpoints.eventTypes}))`,
      ),
    );
}

export async function updateEndpoint(tx: Executor, id: string, changes: Partial<typeof webhookEndpoints.$inferInsert>): Promise<EndpointRow | undefined> {
  const [row] = await tx.update(webhookEndpoints).set(changes).where(eq(webhookEndpoints.id, id)).returning();
  return row;
}

export async function deleteEndpoint(tx: Executor, companyId: string, id: string): Promise<EndpointRow | undefined> {
  const [row] = await tx.delete(webhookEndpoints).where(and(eq(webhookEndpoints.companyId, companyId), eq(webhookEndpoints.id, id))).returning();
  return row;
}

export interface DeliverySent {
  id: string;
  providerMessageId: string;
  provider: string;
  attempts: number;
  at: Date;
  usage: { channel: string; units: number; unitCostMillicents: number; markupBps: number };
}

/**
 * The provider accepted these messages (sends that ended together, one statement): each delivery is
 * marked sent and gets its usage row, both or neither. A status callback that already moved one on
 * (delivered, bounced, failed) is kept.
 */
export async function recordDeliveriesSent(executor: Executor, inputs: readonly DeliverySent[]): Promise<void> {
  if (inputs.length === 0) return;
  const unique = [...new Map(inputs.map((input) => [input.id, input])).values()];
  const column = <T>(pick: (input: DeliverySent) => T) => sql.param(unique.map(pick));
  await executor.execute(sql`with v as (
      select * from unnest(${column((input) => input.id)}::text[], ${column((input) => input.providerMessageId)}::text[], ${column((input) => input.provider)}::text[],
        ${column((input) => input.attempts)}::int[], ${column((input) => input.at.toISOString())}::timestamptz[], ${column((input) => input.usage.channel)}::text[],
        ${column((input) => input.usage.units)}::int[], ${column((input) => input.usage.unitCostMillicents)}::int[], ${column((input) => input.usage.markupBps)}::int[])
        as v(id, provider_message_id, provider, attempts, at, channel, units, unit_cost_millicents, markup_bps)
    ),
    updated as (
      update notification_deliveries d set
        status = case when d.status in ('delivered', 'bounced', 'failed') then d.status else 'sent' end,
        provider_message_id = v.provider_message_id, provider = v.provider, attempts = greatest(d.attempts, v.attempts),
        sent_at = coalesce(d.sent_at, v.at),
        reason = case when d.status in ('delivered', 'bounced', 'failed') then d.reason else null end,
        in_flight_attempt = 0, updated_at = v.at
      from v where d.id = v.id
      returning d.id, d.company_id, d.location_id
    )
    insert into notification_usage (company_id, location_id, delivery_id, channel, provider, units, unit_cost_millicents, base_cost_millicents, markup_bps, occurred_at)
    select u.company_id, u.location_id, u.id, v.channel, v.provider, v.units, v.unit_cost_millicents, v.units::bigint * v.unit_cost_millicents, v.markup_bps, v.at
    from updated u join v on v.id = u.id
    on conflict do nothing`);
}
