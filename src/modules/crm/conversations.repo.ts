import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';

export interface ConversationMessageRef {
  companyId: string;
  locationId: string;
  ghlConversationId: string;
  contactGhlId: string | null;
  messageGhlId: string;
  body: string | null;
  messageType: string | null;
  direction: string | null;
  messageAt: Date;
  raw: Record<string, unknown>;
}

/**
 * Ensures the conversation of a message and moves its last-message fields when this message is the
 * newest; returns our conversation id either way (the message row points at it). Unread state is
 * left to ConversationUnreadUpdate.
 */
export async function ensureConversationForMessage(tx: Executor, generateId: IdGenerator, ref: ConversationMessageRef, now: Date): Promise<string> {
  const isNewest = sql`(conversations.last_message_at is null or excluded.last_message_at > conversations.last_message_at
    or (excluded.last_message_at = conversations.last_message_at and excluded.last_message_ghl_id >= conversations.last_message_ghl_id))`;
  const isDifferent = sql`(excluded.last_message_ghl_id, excluded.last_message_body, excluded.last_message_type, excluded.last_message_direction, excluded.last_message_at)
    is distinct from (conversations.last_message_ghl_id, conversations.last_message_body, conversations.last_message_type, conversations.last_message_direction, conversations.last_message_at)`;
  const pick = (column: string) => sql`${sql.identifier(column)} = case when ${isNewest} then excluded.${sql.identifier(column)} else conversations.${sql.identifier(column)} end`;
  const [row] = await queryRows<{ id: string }>(
    tx,
    sql`insert into conversations (id, company_id, location_id, ghl_id, contact_ghl_id, last_message_ghl_id, last_message_body, last_message_type,
        last_message_direction, last_message_at, raw, created_at, updated_at)
      values (${generateId('cv')}, ${ref.companyId}, ${ref.locationId}, ${ref.ghlConversationId}, ${ref.contactGhlId}, ${ref.messageGhlId}, ${ref.body},
        ${ref.messageType}, ${ref.direction}, ${ref.messageAt.toISOString()}::timestamptz, ${JSON.stringify(ref.raw)}::jsonb,
        ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
      on conflict (location_id, ghl_id) do update set
        contact_ghl_id = coalesce(conversations.contact_ghl_id, excluded.contact_ghl_id),
        ${pick('last_message_ghl_id')}, ${pick('last_message_body')}, ${pick('last_message_type')}, ${pick('last_message_direction')}, ${pick('last_message_at')},
        updated_at = case when ${isNewest} and ${isDifferent} then excluded.updated_at else conversations.updated_at end
      returning id`,
  );
  return (row as { id: string }).id;
}

/** Message a is newer than b for its conversation's last-message fields (the order the upsert's isNewest uses). */
function isNewerMessage(a: ConversationMessageRef, b: ConversationMessageRef): boolean {
  const byTime = a.messageAt.getTime() - b.messageAt.getTime();
  return byTime > 0 || (byTime === 0 && a.messageGhlId >= b.messageGhlId);
}

/**
 * ensureConversationForMessage for many messages in one statement, with the same outcome as applying
 * them one after another: per conversation the first message's raw and contact seed a new row (a
 * stored contact is kept), the newest message sets the last-message fields. Answers our conversation
 * id per `location id + NUL + GHL conversation id`.
 */
export async function ensureConversationsForMessages(tx: Executor, generateId: IdGenerator, refs: readonly ConversationMessageRef[], now: Date): Promise<Map<string, string>> {
  const keyOf = (ref: { locationId: string; ghlConversationId: string }) => `${ref.locationId}\u0000${ref.ghlConversationId}`;
  const merged = new Map<string, { first: ConversationMessageRef; newest: ConversationMessageRef; contactGhlId: string | null }>();
  for (const ref of refs) {
    const known = merged.get(keyOf(ref));
    if (!known) merged.set(keyOf(ref), { first: ref, newest: ref, contactGhlId: ref.contactGhlId });
    else {
      if (isNewerMessage(ref, known.newest)) known.newest = ref;
      known.contactGhlId ??= ref.contactGhlId;
    }
  }
  if (merged.size === 0) return new Map();
  const stamp = now.toISOString();
  const values = [...merged.values()].map(
    ({ first, newest, contactGhlId }) =>
      sql`(${generateId('cv')}, ${first.companyId}, ${first.locationId}, ${first.ghlConversationId}, ${contactGhlId}, ${newest.messageGhlId}, ${newest.body},
        ${newest.messageType}, ${newest.direction}, ${newest.messageAt.toISOString()}::timestamptz, ${JSON.stringify(first.raw)}::jsonb,
        ${stamp}::timestamptz, ${stamp}::timestamptz)`,
  );
  const isNewest = sql`(conversations.last_message_at is null or excluded.last_message_at > conversations.last_message_at
    or (excluded.last_message_at = conversations.last_message_at and excluded.last_message_ghl_id >= conversations.last_message_ghl_id))`;
  const isDifferent = sql`(excluded.last_message_ghl_id, excluded.last_message_body, excluded.last_message_type, excluded.last_message_direction, excluded.last_message_at)
    is distinct from (conversations.last_message_ghl_id, conversations.last_message_body, conversations.last_message_type, conversations.last_message_direction, conversations.last_message_at)`;
  const pick = (column: string) => sql`${sql.identifier(column)} = case when ${isNewest} then excluded.${sql.identifier(column)} else conversations.${sql.identifier(column)} end`;
  const rows = await queryRows<{ id: string; locationId: string; ghlId: string }>(
    tx,
    sql`insert into conversations (id, company_id, location_id, ghl_id, contact_ghl_id, last_message_ghl_id, last_message_body, last_message_type,
        last_message_direction, last_message_at, raw, created_at, updated_at)
      values ${sql.join(values, sql`, `)}
      on conflict (location_id, ghl_id) do update set
        contact_ghl_id = coalesce(conversations.contact_ghl_id, excluded.contact_ghl_id),
        ${pick('last_message_ghl_id')}, ${pick('last_message_body')}, ${pick('last_message_type')}, ${pick('last_message_direction')}, ${pick('last_message_at')},
        updated_at = case when ${isNewest} and ${isDifferent} then excluded.updated_at else conversations.updated_at end
      returning id, location_id as "locationId", ghl_id as "ghlId"`,
  );
  return new Map(rows.map((row) => [keyOf({ locationId: row.locationId, ghlConversationId: row.ghlId }), row.id]));
}

export interface ConversationStateVersion {
  companyId: string;
  locationId: string;
  ghlConversationId: string;
  contactGhlId: string | null;
  unreadCount: number | null;
  isStarred: boolean | null;
  isInbox: boolean | null;
  isDeleted: boolean;
  sourceUpdatedAt: Date;
  sourceEventAt: Date | null;
  raw: Record<string, unknown>;
}

/** ConversationUnreadUpdate: unread/starred/inbox, stale-safe; `deleted: true` sets a final tombstone. */
export async function applyConversationState(tx: Executor, generateId: IdGenerator, version: ConversationStateVersion, now: Date): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`insert into conversations (id, company_id, location_id, ghl_id, contact_ghl_id, unread_count, is_starred, is_inbox,
        source_updated_at, source_event_at, raw, deleted_at, created_at, updated_at)
      values (${generateId('cv')}, ${version.companyId}, ${version.locationId}, ${version.ghlConversationId}, ${version.contactGhlId},
        ${version.unreadCount}::integer, ${version.isStarred}::boolean, ${version.isInbox}::boolean,
        ${version.sourceUpdatedAt.toISOString()}::timestamptz, ${version.sourceEventAt?.toISOString() ?? null}::timestamptz,
        ${JSON.stringify(version.raw)}::jsonb, ${version.isDeleted ? version.sourceUpdatedAt.toISOString() : null}::timestamptz,
        ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
      on conflict (location_id, ghl_id) do update set
        contact_ghl_id = coalesce(excluded.contact_ghl_id, conversations.contact_ghl_id),
        unread_count = coalesce(excluded.unread_count, conversations.unread_count),
        is_starred = coalesce(excluded.is_starred, conversations.is_starred),
        is_inbox = coalesce(excluded.is_inbox, conversations.is_inbox),
        deleted_at = coalesce(conversations.deleted_at, excluded.deleted_at),
        source_updated_at = excluded.source_updated_at,
        source_event_at = excluded.source_event_at,
        raw = excluded.raw,
        updated_at = excluded.updated_at
      where (excluded.source_updated_at, coalesce(excluded.source_event_at, '-infinity'::timestamptz))
          >= (coalesce(conversations.source_updated_at, '-infinity'::timestamptz), coalesce(conversations.source_event_at, '-infinity'::timestamptz))
        and excluded.raw is distinct from conversations.raw
      returning id`,
  );
  return rows.length > 0;
}
