import { sql } from 'drizzle-orm';
import { bigint, boolean, date, index, integer, jsonb, pgTable, pgView, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { companyTenantPolicy, localFirstMirrorKeys, locationTenantPolicy, mirrorKeys, mirrorSourceColumns, timestamptz, writeThroughColumns } from '../../platform/db/index.js';

/*
 * Local copies of GHL entities, written by webhook processors (and later by setup sync). Every table
 * follows one shape so one upsert statement can keep the rules for all of them:
 * - `ghl_id` is GHL's id, unique per location; `id` is ours.
 * - `source_updated_at` is GHL's own change time (dateUpdated/updatedAt, else the delivery timestamp);
 *   `source_event_at` is the delivery's `timestamp`, used only to order two versions with the same
 *   change time. A version older than the stored one is never applied.
 * - Deletes are soft and final: `deleted_at` is a tombstone that later (or replayed) updates cannot clear.
 * - `raw` is the last payload applied, for fields without a column.
 * - Contacts, opportunities, appointments, notes and tasks may be written here first (CRM write API): their `ghl_id`
 *   is null until the outbox created them in GHL, and `local_changes` holds edits GHL has not confirmed.
 * No foreign keys to tenants' tables: rows are keyed by location so they can be distributed by it.
 */

export const contacts = pgTable(
  'contacts',
  {
    ...localFirstMirrorKeys(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    fullName: text('full_name'),
    email: text('email'),
    phone: text('phone'),
    companyName: text('company_name'),
    tags: text('tags').array().notNull().default([]),
    isDnd: boolean('is_dnd').notNull().default(false),
    dndSettings: jsonb('dnd_settings'),
    source: text('source'),
    assignedTo: text('assigned_to'),
    customFields: jsonb('custom_fields').notNull().default([]),
    dateAdded: timestamptz('date_added'),
    ...mirrorSourceColumns(),
    ...writeThroughColumns(),
  },
  (table) => [
    uniqueIndex('contacts_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('contacts_location_email_idx').on(table.locationId, table.email),
    /*
     * The contact list's two sorts, walked in either direction (asc nulls first is this backwards).
     * company_id and deleted_at ride along so the capped count (RLS reads company_id) is index-only.
     */
    index('contacts_location_date_added_idx').on(table.locationId, table.dateAdded.desc().nullsLast(), table.id.desc().nullsFirst(), table.companyId, table.deletedAt),
    index('contacts_location_source_updated_idx').on(table.locationId, table.sourceUpdatedAt.desc().nullsLast(), table.id.desc().nullsFirst(), table.companyId, table.deletedAt),
    // Search (`q`): substring ILIKE by trigram (pg_trgm, created by the contact_search migration); the tag filter.
    index('contacts_full_name_trgm_idx').using('gin', table.fullName.op('gin_trgm_ops')),
    index('contacts_first_last_name_trgm_idx').using('gin', sql`(coalesce(${table.firstName} || ' ' || ${table.lastName}, ${table.firstName}, ${table.lastName})) gin_trgm_ops`),
    index('contacts_email_trgm_idx').using('gin', table.email.op('gin_trgm_ops')),
    index('contacts_phone_trgm_idx').using('gin', table.phone.op('gin_trgm_ops')),
    index('contacts_tags_idx').using('gin', table.tags),
    locationTenantPolicy('contacts'),
  ],
).enableRLS();

/**
 * What contact search matches on, for the tenant of the transaction (the contact_search migration creates it).
 * Under RLS PostgreSQL will not use an index for a condition whose operator is not leakproof (ILIKE,
 * `@>`), so a search on `contacts` itself reads every row of the location. This view is the way round:
 * it is owned by the migrator, so reading it applies no policy, and its WHERE is the contacts policy
 * written as a plain condition, which lets the planner use the trigram and tag indexes. A search takes
 * the ids of its page and its count from here; the rows are then read from `contacts`, under RLS.
 */
export const contactsSearch = pgView('contacts_search', {
  id: text('id').notNull(),
  locationId: text('location_id').notNull(),
  fullName: text('full_name'),
  firstLastName: text('first_last_name'),
  email: text('email'),
  phone: text('phone'),
  tags: text('tags').array().notNull(),
  dateAdded: timestamptz('date_added'),
  sourceUpdatedAt: timestamptz('source_updated_at').notNull(),
  deletedAt: timestamptz('deleted_at'),
}).existing();

export const notes = pgTable(
  'notes',
  {
    ...localFirstMirrorKeys(),
    contactGhlId: text('contact_ghl_id'),
    /** Our contacts.id, set when the note or task was written here (the contact may not be in GHL yet). */
    contactId: text('contact_id'),
    body: text('body'),
    dateAdded: timestamptz('date_added'),
    ...mirrorSourceColumns(),
    ...writeThroughColumns(),
  },
  (table) => [
    uniqueIndex('notes_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('notes_location_contact_idx').on(table.locationId, table.contactGhlId),
    locationTenantPolicy('notes'),
  ],
).enableRLS();

export const tasks = pgTable(
  'tasks',
  {
    ...localFirstMirrorKeys(),
    contactGhlId: text('contact_ghl_id'),
    /** Our contacts.id, set when the note or task was written here (the contact may not be in GHL yet). */
    contactId: text('contact_id'),
    assignedTo: text('assigned_to'),
    title: text('title'),
    body: text('body'),
    dueAt: timestamptz('due_at'),
    /** Null while open; set by TaskComplete (or a payload that says completed). */
    completedAt: timestamptz('completed_at'),
    dateAdded: timestamptz('date_added'),
    ...mirrorSourceColumns(),
    ...writeThroughColumns(),
  },
  (table) => [
    uniqueIndex('tasks_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('tasks_location_contact_idx').on(table.locationId, table.contactGhlId),
    locationTenantPolicy('tasks'),
  ],
).enableRLS();

export const opportunities = pgTable(
  'opportunities',
  {
    ...localFirstMirrorKeys(),
    name: text('name'),
    pipelineId: text('pipeline_id'),
    pipelineStageId: text('pipeline_stage_id'),
    /** open | won | lost | abandoned */
    status: text('status'),
    monetaryValueCents: bigint('monetary_value_cents', { mode: 'number' }),
    contactGhlId: text('contact_ghl_id'),
    /** Our contacts.id, set when the project was created here (the contact may not be in GHL yet). */
    contactId: text('contact_id'),
    /** GHL's `[{id, fieldValue}]`; local edits may name fields by key (`[{key, value}]`) until pushed. */
    customFields: jsonb('custom_fields').notNull().default([]),
    assignedTo: text('assigned_to'),
    source: text('source'),
    dateAdded: timestamptz('date_added'),
    ...mirrorSourceColumns(),
    ...writeThroughColumns(),
  },
  (table) => [
    uniqueIndex('opportunities_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('opportunities_location_pipeline_idx').on(table.locationId, table.pipelineId, table.pipelineStageId),
    index('opportunities_location_contact_idx').on(table.locationId, table.contactGhlId),
    locationTenantPolicy('opportunities'),
  ],
).enableRLS();

export const appointments = pgTable(
  'appointments',
  {
    ...localFirstMirrorKeys(),
    calendarId: text('calendar_id'),
    contactGhlId: text('contact_ghl_id'),
    /** Our contacts.id, set when the appointment was booked here. */
    contactId: text('contact_id'),
    groupId: text('group_id'),
    title: text('title'),
    /** GHL appointmentStatus: confirmed | cancelled | showed | noshow | invalid | new … */
    status: text('status'),
    assignedUserId: text('assigned_user_id'),
    address: text('address'),
    notes: text('notes'),
    source: text('source'),
    startTime: timestamptz('start_time'),
    endTime: timestamptz('end_time'),
    dateAdded: timestamptz('date_added'),
    ...mirrorSourceColumns(),
    ...writeThroughColumns(),
  },
  (table) => [
    uniqueIndex('appointments_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('appointments_location_start_idx').on(table.locationId, table.startTime),
    index('appointments_location_contact_idx').on(table.locationId, table.contactGhlId),
    locationTenantPolicy('appointments'),
  ],
).enableRLS();

/**
 * One per GHL conversation. Two kinds of events write it: messages move the `last_message_*` fields
 * (ordered by `last_message_at`), ConversationUnreadUpdate moves unread/starred/inbox (ordered by
 * `source_updated_at`, null until such an event arrived).
 */
export const conversations = pgTable(
  'conversations',
  {
    ...mirrorKeys(),
    contactGhlId: text('contact_ghl_id'),
    lastMessageGhlId: text('last_message_ghl_id'),
    lastMessageBody: text('last_message_body'),
    lastMessageType: text('last_message_type'),
    lastMessageDirection: text('last_message_direction'),
    lastMessageAt: timestamptz('last_message_at'),
    unreadCount: integer('unread_count'),
    isStarred: boolean('is_starred'),
    isInbox: boolean('is_inbox'),
    sourceUpdatedAt: timestamptz('source_updated_at'),
    sourceEventAt: timestamptz('source_event_at'),
    raw: jsonb('raw').notNull(),
    deletedAt: timestamptz('deleted_at'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('conversations_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('conversations_location_last_message_idx').on(table.locationId, table.lastMessageAt),
    index('conversations_location_contact_idx').on(table.locationId, table.contactGhlId),
    locationTenantPolicy('conversations'),
  ],
).enableRLS();

export const messages = pgTable(
  'messages',
  {
    ...mirrorKeys(),
    /** Our conversations.id. */
    conversationId: text('conversation_id').notNull(),
    conversationGhlId: text('conversation_ghl_id').notNull(),
    contactGhlId: text('contact_ghl_id'),
    /** inbound | outbound */
    direction: text('direction'),
    /** Webhook short names: SMS, CALL, Email, VoiceMail, FB, IG, GMB, Live Chat … */
    messageType: text('message_type'),
    body: text('body'),
    contentType: text('content_type'),
    status: text('status'),
    subject: text('subject'),
    attachments: jsonb('attachments').notNull().default([]),
    callDurationSeconds: integer('call_duration_seconds'),
    callStatus: text('call_status'),
    emailMessageId: text('email_message_id'),
    threadId: text('thread_id'),
    userGhlId: text('user_ghl_id'),
    source: text('source'),
    dateAdded: timestamptz('date_added'),
    ...mirrorSourceColumns(),
  },
  (table) => [
    uniqueIndex('messages_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('messages_location_conversation_idx').on(table.locationId, table.conversationId, table.dateAdded),
    locationTenantPolicy('messages'),
  ],
).enableRLS();

export const invoices = pgTable(
  'invoices',
  {
    ...mirrorKeys(),
    invoiceNumber: text('invoice_number'),
    name: text('name'),
    title: text('title'),
    /** draft | sent | payment_processing | paid | void | partially_paid */
    status: text('status'),
    currency: text('currency'),
    totalCents: bigint('total_cents', { mode: 'number' }),
    subtotalCents: bigint('subtotal_cents', { mode: 'number' }),
    discountCents: bigint('discount_cents', { mode: 'number' }),
    amountPaidCents: bigint('amount_paid_cents', { mode: 'number' }),
    amountDueCents: bigint('amount_due_cents', { mode: 'number' }),
    contactGhlId: text('contact_ghl_id'),
    contactName: text('contact_name'),
    contactEmail: text('contact_email'),
    issueDate: date('issue_date', { mode: 'string' }),
    dueDate: date('due_date', { mode: 'string' }),
    isLiveMode: boolean('is_live_mode'),
    ghlCreatedAt: timestamptz('ghl_created_at'),
    ...mirrorSourceColumns(),
  },
  (table) => [
    uniqueIndex('invoices_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('invoices_location_contact_idx').on(table.locationId, table.contactGhlId),
    locationTenantPolicy('invoices'),
  ],
).enableRLS();

export const orders = pgTable(
  'orders',
  {
    ...mirrorKeys(),
    status: text('status'),
    fulfillmentStatus: text('fulfillment_status'),
    currency: text('currency'),
    amountCents: bigint('amount_cents', { mode: 'number' }),
    subtotalCents: bigint('subtotal_cents', { mode: 'number' }),
    discountCents: bigint('discount_cents', { mode: 'number' }),
    taxCents: bigint('tax_cents', { mode: 'number' }),
    shippingCents: bigint('shipping_cents', { mode: 'number' }),
    contactGhlId: text('contact_ghl_id'),
    sourceType: text('source_type'),
    sourceName: text('source_name'),
    isLiveMode: boolean('is_live_mode'),
    ghlCreatedAt: timestamptz('ghl_created_at'),
    ...mirrorSourceColumns(),
  },
  (table) => [
    uniqueIndex('orders_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('orders_location_contact_idx').on(table.locationId, table.contactGhlId),
    locationTenantPolicy('orders'),
  ],
).enableRLS();

export const products = pgTable(
  'products',
  {
    ...mirrorKeys(),
    name: text('name'),
    description: text('description'),
    productType: text('product_type'),
    isAvailableInStore: boolean('is_available_in_store'),
    imageUrl: text('image_url'),
    statementDescriptor: text('statement_descriptor'),
    ghlCreatedAt: timestamptz('ghl_created_at'),
    ...mirrorSourceColumns(),
  },
  (table) => [uniqueIndex('products_location_ghl_id_key').on(table.locationId, table.ghlId), locationTenantPolicy('products')],
).enableRLS();

export const prices = pgTable(
  'prices',
  {
    ...mirrorKeys(),
    productGhlId: text('product_ghl_id'),
    name: text('name'),
    /** one_time | recurring */
    priceType: text('price_type'),
    currency: text('currency'),
    amountCents: bigint('amount_cents', { mode: 'number' }),
    compareAtPriceCents: bigint('compare_at_price_cents', { mode: 'number' }),
    recurringInterval: text('recurring_interval'),
    recurringIntervalCount: integer('recurring_interval_count'),
    availableQuantity: integer('available_quantity'),
    ghlCreatedAt: timestamptz('ghl_created_at'),
    ...mirrorSourceColumns(),
  },
  (table) => [
    uniqueIndex('prices_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('prices_location_product_idx').on(table.locationId, table.productGhlId),
    locationTenantPolicy('prices'),
  ],
).enableRLS();

/**
 * GHL users (not our login users). Agency users span several locations, so the row belongs to the
 * company and lists the GHL location ids it may work in.
 */
export const ghlUsers = pgTable(
  'ghl_users',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    ghlId: text('ghl_id').notNull(),
    ghlLocationIds: text('ghl_location_ids').array().notNull().default([]),
    firstName: text('first_name'),
    lastName: text('last_name'),
    email: text('email'),
    phone: text('phone'),
    extension: text('extension'),
    role: text('role'),
    permissions: jsonb('permissions'),
    ...mirrorSourceColumns(),
  },
  (table) => [uniqueIndex('ghl_users_company_ghl_id_key').on(table.companyId, table.ghlId), companyTenantPolicy('ghl_users')],
).enableRLS();

/**
 * Messages sent through the CRM API (SMS, email): stored first, sent to GHL by the outbox. The message
 * itself then arrives in `messages` by GHL's OutboundMessage webhook (or the reconciliation).
 */
export const messageSends = pgTable(
  'message_sends',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    /** Our contacts.id. */
    contactId: text('contact_id').notNull(),
    /** SMS | Email */
    channel: text('channel').notNull(),
    body: text('body'),
    subject: text('subject'),
    html: text('html'),
    /** queued | sent | failed */
    status: text('status').notNull(),
    ghlMessageId: text('ghl_message_id'),
    ghlConversationId: text('ghl_conversation_id'),
    error: text('error'),
    requestedBy: text('requested_by'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    sentAt: timestamptz('sent_at'),
  },
  (table) => [index('message_sends_location_created_idx').on(table.locationId, table.createdAt), locationTenantPolicy('message_sends')],
).enableRLS();
