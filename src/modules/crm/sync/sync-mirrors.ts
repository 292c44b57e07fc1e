import type { EntityTable } from '../entity-versions.repo.js';

/*
 * GHL configuration mirrors (setup-sync.tables.ts), written with the CRM's stale-safe batched upsert.
 * None of these entities has a change time in GHL's answers, so a version is "as listed at the
 * run's start": a re-run with the same content changes nothing.
 */
export const locationProfilesTable: EntityTable<'ghl_company_id' | 'name' | 'timezone' | 'email' | 'phone'> = {
  name: 'ghl_location_profiles',
  idPrefix: 'glp',
  scope: 'location',
  columns: { ghl_company_id: { type: 'text' }, name: { type: 'text' }, timezone: { type: 'text' }, email: { type: 'text' }, phone: { type: 'text' } },
};

export const pipelinesTable: EntityTable<'name'> = { name: 'ghl_pipelines', idPrefix: 'gpl', scope: 'location', columns: { name: { type: 'text' } } };

export const pipelineStagesTable: EntityTable<'pipeline_ghl_id' | 'name' | 'position'> = {
  name: 'ghl_pipeline_stages',
  idPrefix: 'gps',
  scope: 'location',
  columns: { pipeline_ghl_id: { type: 'text', fallback: "''" }, name: { type: 'text' }, position: { type: 'integer' } },
};

export const calendarsTable: EntityTable<'name' | 'calendar_type' | 'is_active' | 'group_id'> = {
  name: 'ghl_calendars',
  idPrefix: 'gcal',
  scope: 'location',
  columns: { name: { type: 'text' }, calendar_type: { type: 'text' }, is_active: { type: 'boolean' }, group_id: { type: 'text' } },
};

export const customFieldsTable: EntityTable<'name' | 'field_key' | 'data_type' | 'model'> = {
  name: 'ghl_custom_fields',
  idPrefix: 'gcf',
  scope: 'location',
  columns: { name: { type: 'text' }, field_key: { type: 'text' }, data_type: { type: 'text' }, model: { type: 'text' } },
};

export const customValuesTable: EntityTable<'name' | 'field_key' | 'value'> = {
  name: 'ghl_custom_values',
  idPrefix: 'gcv',
  scope: 'location',
  columns: { name: { type: 'text' }, field_key: { type: 'text' }, value: { type: 'text' } },
};
