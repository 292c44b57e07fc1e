import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { locationTenantPolicy, mirrorKeys, mirrorSourceColumns, timestamptz } from '../../../platform/db/index.js';

/*
 * Setup sync bookkeeping (sync_runs, sync_steps) and local mirrors of the GHL configuration the CRM
 * module does not keep (location profile, pipelines and stages, calendars, custom fields and values).
 * The mirrors have the CRM tables' shape (ghl_id unique per location, source_updated_at, raw,
 * deleted_at) so the CRM's stale-safe batched upsert writes them too.
 */

/** One setup (or re-)sync of one location. */
export const syncRuns = pgTable(
  'sync_runs',
  {
    id: text('id').primaryKey(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    ghlLocationId: text('ghl_location_id').notNull(),
    /** install | manual */
    trigger: text('trigger').notNull(),
    /** pending | running | done | partial (some step failed or was skipped) */
    status: text('status').notNull().default('pending'),
    /** A–F, set when the run finishes (docs/setup-sync.md). */
    grade: text('grade'),
    startedAt: timestamptz('started_at'),
    /** When every step the location needs to be usable (details … custom fields) was done. */
    usableAt: timestamptz('usable_at'),
    finishedAt: timestamptz('finished_at'),
    /** The install report: totals, per-step figures, slowest step, grade reasons. */
    report: jsonb('report'),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [index('sync_runs_location_idx').on(table.locationId, table.createdAt), locationTenantPolicy('sync_runs')],
).enableRLS();

/** One step of a run; `cursor` is its checkpoint, so a crashed run resumes mid-step. */
export const syncSteps = pgTable(
  'sync_steps',
  {
    runId: text('run_id').notNull(),
    step: text('step').notNull(),
    companyId: text('company_id').notNull(),
    locationId: text('location_id').notNull(),
    position: integer('position').notNull(),
    /** pending | running | done | failed | skipped */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    cursor: jsonb('cursor'),
    recordCount: integer('record_count').notNull().default(0),
    requestCount: integer('request_count').notNull().default(0),
    rateLimitedCount: integer('rate_limited_count').notNull().default(0),
    /** Summed over attempts, so a resumed step reports its whole cost. */
    durationMs: integer('duration_ms').notNull().default(0),
    startedAt: timestamptz('started_at'),
    finishedAt: timestamptz('finished_at'),
    error: text('error'),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.runId, table.step] }), index('sync_steps_location_idx').on(table.locationId), locationTenantPolicy('sync_steps')],
).enableRLS();

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
