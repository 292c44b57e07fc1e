import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { toIso, withVisibleLocation, type CrmReadDeps } from './crm-read.deps.js';
import { findConversation, selectConversations, selectMessages, type ConversationRow, type MessageRow, type PageInput } from './crm-read.repo.js';
import type { ConversationView, MessageView, Page } from './crm-read.schemas.js';

function toConversationView(row: ConversationRow): ConversationView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    contactGhlId: row.contactGhlId,
    lastMessageBody: row.lastMessageBody,
    lastMessageType: row.lastMessageType,
    lastMessageDirection: row.lastMessageDirection,
    lastMessageAt: toIso(row.lastMessageAt),
    unreadCount: row.unreadCount,
    isStarred: row.isStarred,
    sourceUpdatedAt: toIso(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
  };
}

function toMessageView(row: MessageRow): MessageView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    conversationId: row.conversationId,
    direction: row.direction,
    messageType: row.messageType,
    body: row.body,
    contentType: row.contentType,
    status: row.status,
    subject: row.subject,
    attachments: Array.isArray(row.attachments) ? (row.attachments as unknown[]) : [],
    callDurationSeconds: row.callDurationSeconds,
    callStatus: row.callStatus,
    userGhlId: row.userGhlId,
    dateAdded: toIso(row.dateAdded),
    sourceUpdatedAt: toIso(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
  };
}

/** Newest conversation first (by last message). */
export async function listConversations(
  deps: CrmReadDeps,
  principal: Principal,
  locationId: string,
  input: PageInput & { unread?: boolean | undefined; contactId?: string | undefined; q?: string | undefined },
): Promise<Result<Page<ConversationView>, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const { rows, total } = await selectConversations(tx, locationId, input);
    return succeed({ items: rows.map(toConversationView), total, limit: input.limit, offset: input.offset });
  });
}

/** Messages of one conversation, newest first. */
export async function listMessages(deps: CrmReadDeps, principal: Principal, locationId: string, conversationId: string, input: PageInput): Promise<Result<Page<MessageView>, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const conversation = await findConversation(tx, locationId, conversationId, input.includeDeleted);
    if (!conversation) return fail('not_found', 'Conversation not found');
    const { rows, total } = await selectMessages(tx, locationId, conversation.id, input);
    return succeed({ items: rows.map(toMessageView), total, limit: input.limit, offset: input.offset });
  });
}
