import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from '../../../platform/db/index.js';

/** Reads and writes of setup sync steps beyond the batched appliers (sync-mirrors.ts, crm-applier.ts). */

export async function findGhlCompanyId(executor: Executor, locationId: string): Promise<string | undefined> {
  const [row] = await queryRows<{ ghlCompanyId: string | null }>(executor, sql`select ghl_company_id as "ghlCompanyId" from ghl_location_profiles where location_id = ${locationId} limit 1`);
  return row?.ghlCompanyId ?? undefined;
}

export async function listCalendarGhlIds(executor: Executor, locationId: string): Promise<string[]> {
  const rows = await queryRows<{ ghlId: string }>(executor, sql`select ghl_id as "ghlId" from ghl_calendars where location_id = ${locationId} and deleted_at is null order by ghl_id`);
  return rows.map((row) => row.ghlId);
}

export async function listConversationGhlIds(executor: Executor, locationId: string): Promise<string[]> {
  const rows = await queryRows<{ ghlId: string }>(executor, sql`select ghl_id as "ghlId" from conversations where location_id = ${locationId} and deleted_at is null order by ghl_id`);
  return rows.map((row) => row.ghlId);
}

export interface DefaultsSources {
  pipelineGhlId: string | undefined;
  stageGhlId: string | undefined;
  calendarGhlId: string | undefined;
  timezone: string | null;
  fields: { ghlId: string; name: string; fieldKey: string | null; model: string | null }[];
}

/** What the defaults are chosen from: the first pipeline and its first stage, the first active calendar, the profile's timezone, the custom fields. */
export async function readDefaultsSources(tx: Executor, locationId: string): Promise<DefaultsSources> {
  const [pipeline] = await queryRows<{ ghlId: string }>(tx, sql`select ghl_id as "ghlId" from ghl_pipelines where location_id = ${locationId} and deleted_at is null order by created_at, ghl_id limit 1`);
  const [stage] = pipeline
    ? await queryRows<{ ghlId: string }>(tx, sql`select ghl_id as "ghlId" from ghl_pipeline_stages where location_id = ${locationId} and pipeline_ghl_id = ${pipeline.ghlId} and deleted_at is null order by position, ghl_id limit 1`)
    : [];
  const [calendar] = await queryRows<{ ghlId: string }>(
    tx,
    sql`select ghl_id as "ghlId" from ghl_calendars where location_id = ${locationId} and deleted_at is null order by (is_active is not false) desc, created_at, ghl_id limit 1`,
  );
  const [profile] = await queryRows<{ timezone: string | null }>(tx, sql`select timezone from ghl_location_profiles where location_id = ${locationId} and deleted_at is null limit 1`);
  const fields = await queryRows<{ ghlId: string; name: string; fieldKey: string | null; model: string | null }>(
    tx,
    sql`select ghl_id as "ghlId", name, field_key as "fieldKey", model from ghl_custom_fields where location_id = ${locationId} and deleted_at is null`,
  );
  return { pipelineGhlId: pipeline?.ghlId, stageGhlId: stage?.ghlId, calendarGhlId: calendar?.ghlId, timezone: profile?.timezone ?? null, fields };
}

export async function upsertLocationDefaults(
  tx: Executor,
  input: { locationId: string; companyId: string; pipelineGhlId: string | null; stageGhlId: string | null; calendarGhlId: string | null; timezone: string | null; customFieldIds: Record<string, string | null> },
): Promise<void> {
  await tx.execute(
    sql`insert into ghl_location_defaults (location_id, company_id, pipeline_ghl_id, stage_ghl_id, calendar_ghl_id, timezone, custom_field_ids, updated_at)
      values (${input.locationId}, ${input.companyId}, ${input.pipelineGhlId}, ${input.stageGhlId}, ${input.calendarGhlId}, ${input.timezone},
        ${JSON.stringify(input.customFieldIds)}::jsonb, now())
      on conflict (location_id) do update set pipeline_ghl_id = excluded.pipeline_ghl_id, stage_ghl_id = excluded.stage_ghl_id,
        calendar_ghl_id = excluded.calendar_ghl_id, timezone = excluded.timezone, custom_field_ids = excluded.custom_field_ids, updated_at = now()`,
  );
}
