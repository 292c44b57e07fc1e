import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { locationTenantPolicy, mirrorKeys, mirrorSourceColumns, timestamptz } from '../../../platform/db/index.js';

/*
 * Local mirrors of the GHL configuration the CRM module does not keep (location profile, pipelines and
 * stages, calendars, custom fields and values), written by the setup sync (its runs and steps live in
 * the run engine's tables, platform/runs). The mirrors have the CRM tables' shape (ghl_id unique per
 * location, source_updated_at, raw, deleted_at) so the CRM's stale-safe batched upsert writes them too.
 */

export const ghlLocationProfiles = pgTable(
  'ghl_location_profiles',
  {
    ...mirrorKeys(),
    ghlCompanyId: text('ghl_company_id'),
    name: text('name'),
    timezone: text('timezone'),
    email: text('email'),
    phone: text('phone'),
    ...mirrorSourceColumns(),
  },
  (table) => [uniqueIndex('ghl_location_profiles_location_ghl_id_key').on(table.locationId, table.ghlId), locationTenantPolicy('ghl_location_profiles')],
).enableRLS();

export const ghlPipelines = pgTable(
  'ghl_pipelines',
  {
    ...mirrorKeys(),
    name: text('name'),
    ...mirrorSourceColumns(),
  },
  (table) => [uniqueIndex('ghl_pipelines_location_ghl_id_key').on(table.locationId, table.ghlId), locationTenantPolicy('ghl_pipelines')],
).enableRLS();

export const ghlPipelineStages = pgTable(
  'ghl_pipeline_stages',
  {
    ...mirrorKeys(),
    pipelineGhlId: text('pipeline_ghl_id').notNull(),
    name: text('name'),
    position: integer('position'),
    ...mirrorSourceColumns(),
  },
  (table) => [
    uniqueIndex('ghl_pipeline_stages_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('ghl_pipeline_stages_pipeline_idx').on(table.locationId, table.pipelineGhlId, table.position),
    locationTenantPolicy('ghl_pipeline_stages'),
  ],
).enableRLS();

export const ghlCalendars = pgTable(
  'ghl_calendars',
  {
    ...mirrorKeys(),
    name: text('name'),
    calendarType: text('calendar_type'),
    isActive: boolean('is_active'),
    groupId: text('group_id'),
    ...mirrorSourceColumns(),
  },
  (table) => [uniqueIndex('ghl_calendars_location_ghl_id_key').on(table.locationId, table.ghlId), locationTenantPolicy('ghl_calendars')],
).enableRLS();

export const ghlCustomFields = pgTable(
  'ghl_custom_fields',
  {
    ...mirrorKeys(),
    name: text('name'),
    fieldKey: text('field_key'),
    dataType: text('data_type'),
    /** contact | opportunity */
    model: text('model'),
    ...mirrorSourceColumns(),
  },
  (table) => [
    uniqueIndex('ghl_custom_fields_location_ghl_id_key').on(table.locationId, table.ghlId),
    index('ghl_custom_fields_location_key_idx').on(table.locationId, table.fieldKey),
    locationTenantPolicy('ghl_custom_fields'),
  ],
).enableRLS();

export const ghlCustomValues = pgTable(
  'ghl_custom_values',
  {
    ...mirrorKeys(),
    name: text('name'),
    fieldKey: text('field_key'),
    value: text('value'),
    ...mirrorSourceColumns(),
  },
  (table) => [uniqueIndex('ghl_custom_values_location_ghl_id_key').on(table.locationId, table.ghlId), locationTenantPolicy('ghl_custom_values')],
).enableRLS();

/**
 * What the product uses by default for a location (written by the setup sync's last step): where new
 * opportunities go, which calendar books, and the ids of the custom fields the product writes.
 */
export const ghlLocationDefaults = pgTable(
  'ghl_location_defaults',
  {
    locationId: text('location_id').primaryKey(),
    companyId: text('company_id').notNull(),
    pipelineGhlId: text('pipeline_ghl_id'),
    stageGhlId: text('stage_ghl_id'),
    calendarGhlId: text('calendar_ghl_id'),
    timezone: text('timezone'),
    /** { project_title: <GHL field id>, quote_number: …, signed_date: … } */
    customFieldIds: jsonb('custom_field_ids').notNull(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  () => [locationTenantPolicy('ghl_location_defaults')],
).enableRLS();
