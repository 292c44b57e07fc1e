import { sql } from 'drizzle-orm';
import { queryRows, timestampToIso, type Executor } from '../../platform/db/index.js';

/*
 * Lookups the CRM write API validates against. Pipelines, stages, calendars and custom fields are
 * mirrors the ghl module's sync writes; they are read by table name because ghl depends on crm.
 * Every lookup accepts our id or GHL's and answers GHL's, which is what records store and GHL needs.
 */

export async function findLinkableContact(tx: Executor, locationId: string, id: string): Promise<{ id: string; ghlId: string | null; isDnd: boolean } | undefined> {
  const [row] = await queryRows<{ id: string; ghlId: string | null; isDnd: boolean }>(
    tx,
    sql`select id, ghl_id as "ghlId", is_dnd as "isDnd" from contacts where location_id = ${locationId} and (id = ${id} or ghl_id = ${id}) and deleted_at is null limit 1`,
  );
  return row;
}

export async function findPipelineGhlId(tx: Executor, locationId: string, id: string): Promise<string | undefined> {
  const [row] = await queryRows<{ ghlId: string }>(
    tx,
    sql`select ghl_id as "ghlId" from ghl_pipelines where location_id = ${locationId} and (id = ${id} or ghl_id = ${id}) and deleted_at is null limit 1`,
  );
  return row?.ghlId;
}

/** The stage's GHL id when it belongs to the pipeline; `id` undefined → the pipeline's first stage. */
export async function findStageGhlId(tx: Executor, locationId: string, pipelineGhlId: string, id: string | undefined): Promise<string | undefined> {
  const [row] = await queryRows<{ ghlId: string }>(
    tx,
    sql`select ghl_id as "ghlId" from ghl_pipeline_stages
      where location_id = ${locationId} and pipeline_ghl_id = ${pipelineGhlId} and deleted_at is null
        ${id === undefined ? sql`` : sql`and (id = ${id} or ghl_id = ${id})`}
      order by position nulls last, ghl_id limit 1`,
  );
  return row?.ghlId;
}

export async function findCalendarGhlId(tx: Executor, locationId: string, id: string): Promise<string | undefined> {
  const [row] = await queryRows<{ ghlId: string }>(
    tx,
    sql`select ghl_id as "ghlId" from ghl_calendars where location_id = ${locationId} and (id = ${id} or ghl_id = ${id}) and deleted_at is null limit 1`,
  );
  return row?.ghlId;
}

export interface CustomFieldDefinition {
  ghlId: string;
  fieldKey: string | null;
  name: string | null;
}

export async function selectCustomFields(tx: Executor, locationId: string, model: 'contact' | 'opportunity' | undefined): Promise<{ ghlId: string; key: string | null; name: string | null; dataType: string | null; model: string | null }[]> {
  return queryRows(
    tx,
    sql`select ghl_id as "ghlId", field_key as "key", name, data_type as "dataType", model from ghl_custom_fields
      where location_id = ${locationId} and deleted_at is null ${model === undefined ? sql`` : sql`and model = ${model}`} order by model, name, ghl_id`,
  );
}

export async function selectCustomFieldDefinitions(tx: Executor, locationId: string, model: 'contact' | 'opportunity'): Promise<CustomFieldDefinition[]> {
  return queryRows<CustomFieldDefinition & Record<string, unknown>>(
    tx,
    sql`select ghl_id as "ghlId", field_key as "fieldKey", name from ghl_custom_fields
      where location_id = ${locationId} and deleted_at is null and (model = ${model} or model is null)`,
  );
}

export interface MessageSendRow {
  id: string;
  companyId: string;
  locationId: string;
  contactId: string;
  channel: 'SMS' | 'Email';
  body: string | null;
  subject: string | null;
  html: string | null;
  status: 'queued' | 'sending' | 'sent' | 'failed';
  ghlMessageId: string | null;
  ghlConversationId: string | null;
  error: string | null;
  createdAt: Date | string;
  sentAt: Date | string | null;
}

const messageSendColumns = sql`id, company_id as "companyId", location_id as "locationId", contact_id as "contactId", channel, body, subject, html, status,
  ghl_message_id as "ghlMessageId", ghl_conversation_id as "ghlConversationId", error, created_at as "createdAt", sent_at as "sentAt"`;

export async function insertMessageSend(
  tx: Executor,
  input: { id: string; companyId: string; locationId: string; contactId: string; channel: string; body: string | null; subject: string | null; html: string | null; requestedBy: string | null; at: Date },
): Promise<void> {
  await tx.execute(
    sql`insert into message_sends (id, company_id, location_id, contact_id, channel, body, subject, html, status, requested_by, created_at)
      values (${input.id}, ${input.companyId}, ${input.locationId}, ${input.contactId}, ${input.channel}, ${input.body}, ${input.subject}, ${input.html}, 'queued',
        ${input.requestedBy}, ${input.at.toISOString()}::timestamptz)`,
  );
}

export async function findMessageSend(tx: Executor, id: string, options: { forUpdate?: boolean } = {}): Promise<MessageSendRow | undefined> {
  const [row] = await queryRows<MessageSendRow & Record<string, unknown>>(tx, sql`select ${messageSendColumns} from message_sends where id = ${id} ${options.forUpdate ? sql`for update` : sql``}`);
  return row;
}

export async function selectMessageSends(tx: Executor, locationId: string, contactId: string | undefined, page: { limit: number; offset: number }): Promise<{ rows: MessageSendRow[]; total: number }> {
  const where = sql`location_id = ${locationId} ${contactId === undefined ? sql`` : sql`and contact_id = ${contactId}`}`;
  const rows = await queryRows<MessageSendRow & Record<string, unknown>>(
    tx,
    sql`select ${messageSendColumns} from message_sends where ${where} order by created_at desc, id desc limit ${page.limit} offset ${page.offset}`,
  );
  const [counted] = await queryRows<{ total: number }>(tx, sql`select count(*)::int as total from message_sends where ${where}`);
  return { rows, total: counted?.total ?? 0 };
}

export async function markMessageSent(tx: Executor, id: string, input: { ghlMessageId: string | null; ghlConversationId: string | null; at: Date }): Promise<void> {
  await tx.execute(
    sql`update message_sends set status = 'sent', ghl_message_id = ${input.ghlMessageId}, ghl_conversation_id = ${input.ghlConversationId}, error = null,
      sent_at = ${input.at.toISOString()}::timestamptz where id = ${id}`,
  );
}

export async function markMessageFailed(tx: Executor, id: string, reason: string): Promise<void> {
  await tx.execute(sql`update message_sends set status = 'failed', error = ${reason.slice(0, 500)} where id = ${id}`);
}

/** Marks a send as handed to GHL, so a retry after a crash checks before sending twice. */
export async function markMessageSending(tx: Executor, id: string): Promise<void> {
  await tx.execute(sql`update message_sends set status = 'sending' where id = ${id} and status in ('queued', 'sending')`);
}

/**
 * The outbound message GHL reported (by webhook or sync) for a send: same contact and text, added
 * after the send was queued. Used only to tell whether an interrupted send reached GHL.
 */
export async function findOutboundMessageFor(tx: Executor, send: MessageSendRow, contactGhlId: string): Promise<{ ghlId: string; conversationGhlId: string } | undefined> {
  const [row] = await queryRows<{ ghlId: string; conversationGhlId: string }>(
    tx,
    sql`select ghl_id as "ghlId", conversation_ghl_id as "conversationGhlId" from messages
      where location_id = ${send.locationId} and contact_ghl_id = ${contactGhlId} and direction = 'outbound'
        and body is not distinct from ${send.body ?? send.html} and date_added >= ${timestampToIso(send.createdAt)}::timestamptz - interval '1 minute'
      order by date_added limit 1`,
  );
  return row;
}
