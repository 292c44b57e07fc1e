import { z } from 'zod';
import type { WebhookProcessor } from '../webhooks/index.js';
import { createEntityProcessor, type CrmProcessorDeps, type EntityMapping } from './entity-processor.js';
import type { EntityTable } from './entity-versions.repo.js';
import { anyValue, optionalAmount, optionalText, parseGhlTime, requiredId } from './ghl-payload.js';
import { findCents } from './money.js';

const opportunityPayload = z.looseObject({
  id: requiredId,
  locationId: optionalText,
  name: optionalText,
  pipelineId: optionalText,
  pipelineStageId: optionalText,
  status: optionalText,
  monetaryValue: optionalAmount,
  contactId: optionalText,
  assignedTo: optionalText,
  source: optionalText,
  customFields: anyValue,
  dateAdded: anyValue,
  dateUpdated: anyValue,
  updatedAt: anyValue,
});
type OpportunityPayload = z.infer<typeof opportunityPayload>;

export const opportunitiesTable: EntityTable<
  'name' | 'pipeline_id' | 'pipeline_stage_id' | 'status' | 'monetary_value_cents' | 'contact_ghl_id' | 'assigned_to' | 'source' | 'custom_fields' | 'date_added'
> = {
  name: 'opportunities',
  idPrefix: 'op',
  scope: 'location',
  writeThrough: true,
  columns: {
    name: { type: 'text' },
    pipeline_id: { type: 'text' },
    pipeline_stage_id: { type: 'text' },
    status: { type: 'text' },
    monetary_value_cents: { type: 'bigint' },
    contact_ghl_id: { type: 'text', merge: 'keep-when-null' },
    assigned_to: { type: 'text' },
    source: { type: 'text' },
    // Some opportunity events carry no customFields: keep what we know.
    custom_fields: { type: 'jsonb', merge: 'keep-when-null', fallback: "'[]'::jsonb" },
    date_added: { type: 'timestamptz', merge: 'keep-when-null' },
  },
};

export const opportunityMapping: EntityMapping<OpportunityPayload, keyof typeof opportunitiesTable.columns> = {
  table: opportunitiesTable,
  schema: opportunityPayload,
  ghlIdOf: (payload) => payload.id,
  ghlLocationIdOf: (payload) => payload.locationId,
  changeTimesOf: (payload) => [payload.dateUpdated, payload.updatedAt],
  valuesOf: (payload) => ({
    name: payload.name ?? null,
    pipeline_id: payload.pipelineId ?? null,
    pipeline_stage_id: payload.pipelineStageId ?? null,
    status: payload.status ?? null,
    monetary_value_cents: findCents(payload.monetaryValue),
    contact_ghl_id: payload.contactId ?? null,
    assigned_to: payload.assignedTo ?? null,
    source: payload.source ?? null,
    custom_fields: readOpportunityCustomFields(payload.customFields),
    date_added: parseGhlTime(payload.dateAdded) ?? null,
  }),
};

export function createOpportunityProcessors(deps: CrmProcessorDeps): Record<string, WebhookProcessor> {
  // GHL fans one change out into OpportunityUpdate plus a specific event, all with the full shape
  // (ghl-api.md §5.5), so each is simply another version of the opportunity.
  const upsert = createEntityProcessor(opportunityMapping, 'upsert', deps);
  return {
    OpportunityCreate: upsert,
    OpportunityUpdate: upsert,
    OpportunityStatusUpdate: upsert,
    OpportunityStageUpdate: upsert,
    OpportunityMonetaryValueUpdate: upsert,
    OpportunityAssignedToUpdate: upsert,
    OpportunityDelete: createEntityProcessor(opportunityMapping, 'delete', deps),
  };
}

/** REST and webhooks send `[{id, fieldValue}]` (some payloads `value`); stored as `[{id, value}]`. */
function readOpportunityCustomFields(value: unknown): { id: string; value: unknown }[] | null {
  if (!Array.isArray(value)) return null;
  return value.flatMap((field: unknown) => {
    if (typeof field !== 'object' || field === null) return [];
    const record = field as Record<string, unknown>;
    const id = record['id'];
    return typeof id === 'string' ? [{ id, value: record['fieldValue'] ?? record['value'] ?? record['field_value'] ?? null }] : [];
  });
}
