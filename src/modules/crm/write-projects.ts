import type { Executor } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { withVisibleLocation, type CrmWriteDeps } from './crm-read.deps.js';
import { findProject } from './crm-read.repo.js';
import type { ProjectView } from './crm-read.schemas.js';
import { findLinkableContact, findPipelineGhlId, findRecordId, findStageGhlId } from './crm-write.repo.js';
import type { CreateProjectInput, UpdateProjectInput } from './crm-write.schemas.js';
import { toProjectView } from './list-projects.js';
import { mergeCustomFields } from './write-custom-fields.js';
import { applyLocalDelete, applyLocalEdit, enqueuePush, insertLocalRecord, lockWriteThroughRow } from './write-through.repo.js';

type WriteError = 'not_found' | 'not_linked' | 'unknown_custom_field' | 'unknown_contact' | 'unknown_pipeline' | 'unknown_stage';

/** GHL ids of the pipeline and stage; a pipeline change without a stage lands on the new pipeline's first stage. */
async function resolveStage(
  tx: Executor,
  locationId: string,
  pipelineId: string | undefined,
  stageId: string | undefined,
  current: { pipelineGhlId: string | null },
): Promise<Result<{ pipelineGhlId?: string; stageGhlId?: string }, 'unknown_pipeline' | 'unknown_stage'>> {
  if (pipelineId === undefined && stageId === undefined) return succeed({});
  const pipelineGhlId = pipelineId === undefined ? current.pipelineGhlId : await findPipelineGhlId(tx, locationId, pipelineId);
  if (!pipelineGhlId) return fail('unknown_pipeline', `Pipeline ${pipelineId ?? ''} does not exist in this location`);
  const stageGhlId = await findStageGhlId(tx, locationId, pipelineGhlId, stageId);
  if (!stageGhlId) return fail('unknown_stage', stageId === undefined ? 'The pipeline has no stages' : `Stage ${stageId} is not a stage of pipeline ${pipelineGhlId}`);
  return succeed({ pipelineGhlId, stageGhlId });
}

async function readProject(tx: Executor, locationId: string, id: string): Promise<ProjectView> {
  const row = await findProject(tx, locationId, id, true);
  if (!row) throw new Error(`project ${id} vanished after its write`);
  return toProjectView(row);
}

export async function createProject(deps: CrmWriteDeps, principal: Principal, locationId: string, input: CreateProjectInput): Promise<Result<ProjectView, WriteError>> {
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<ProjectView, WriteError>> => {
    if (!location.ghlLocationId) return fail('not_linked', 'This location is not connected to GHL');
    const contact = await findLinkableContact(tx, locationId, input.contactId);
    if (!contact) return fail('unknown_contact', `Contact ${input.contactId} does not exist in this location`);
    const stage = await resolveStage(tx, locationId, input.pipelineId, input.stageId, { pipelineGhlId: null });
    if (!stage.ok) return stage;
    const values: Record<string, unknown> = {
      name: input.name,
      pipeline_id: stage.value.pipelineGhlId,
      pipeline_stage_id: stage.value.stageGhlId,
      status: input.status,
      monetary_value_cents: input.amountCents,
      contact_ghl_id: contact.ghlId,
      assigned_to: input.assignedTo,
      source: input.source,
    };
    if (input.customFields) {
      const merged = await mergeCustomFields(tx, locationId, 'opportunity', [], input.customFields);
      if (!merged.ok) return merged;
      values['custom_fields'] = merged.value;
    }
    const id = deps.generateId('op');
    await insertLocalRecord(tx, 'opportunities', { id, companyId: location.companyId, locationId, contactId: contact.id, values, at: deps.clock.now() });
    await enqueuePush(tx, 'opportunities', { id, companyId: location.companyId, locationId, contactId: contact.id });
    return succeed(await readProject(tx, locationId, id));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}

export async function updateProject(deps: CrmWriteDeps, principal: Principal, locationId: string, projectId: string, input: UpdateProjectInput): Promise<Result<ProjectView, WriteError>> {
  let isPushEnqueued = false;
  const result = await withVisibleLocation(deps, principal, locationId, async (tx, location): Promise<Result<ProjectView, WriteError>> => {
    const id = await findRecordId(tx, 'opportunities', locationId, projectId);
    const row = id ? await lockWriteThroughRow(tx, 'opportunities', { id }) : undefined;
    if (!row) return fail('not_found', 'Project not found');
    if (!location.ghlLocationId) return fail('not_linked', 'This location is not connected to GHL');
    const stage = await resolveStage(tx, locationId, input.pipelineId, input.stageId, { pipelineGhlId: (row.values['pipeline_id'] as string | null) ?? null });
    if (!stage.ok) return stage;
    const values: Record<string, unknown> = {
      name: input.name,
      pipeline_id: stage.value.pipelineGhlId,
      pipeline_stage_id: stage.value.stageGhlId,
      status: input.status,
      monetary_value_cents: input.amountCents,
      assigned_to: input.assignedTo,
    };
    if (input.customFields) {
      const merged = await mergeCustomFields(tx, locationId, 'opportunity', row.values['custom_fields'], input.customFields);
      if (!merged.ok) return merged;
      values['custom_fields'] = merged.value;
    }
    const changed = await applyLocalEdit(tx, 'opportunities', row, values, deps.clock.now());
    if (changed.length > 0) {
      await enqueuePush(tx, 'opportunities', row);
      isPushEnqueued = true;
    }
    return succeed(await readProject(tx, locationId, row.id));
  });
  if (isPushEnqueued) deps.onPushEnqueued?.();
  return result;
}

export async function deleteProject(deps: CrmWriteDeps, principal: Principal, locationId: string, projectId: string): Promise<Result<ProjectView, 'not_found'>> {
  const result = await withVisibleLocation(deps, principal, locationId, async (tx): Promise<Result<ProjectView, 'not_found'>> => {
    const id = await findRecordId(tx, 'opportunities', locationId, projectId);
    const row = id ? await lockWriteThroughRow(tx, 'opportunities', { id }) : undefined;
    if (!row) return fail('not_found', 'Project not found');
    await applyLocalDelete(tx, 'opportunities', row, deps.clock.now());
    await enqueuePush(tx, 'opportunities', row);
    return succeed(await readProject(tx, locationId, row.id));
  });
  if (result.ok) deps.onPushEnqueued?.();
  return result;
}
