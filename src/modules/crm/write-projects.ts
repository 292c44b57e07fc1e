import type { Executor, Tx } from '../../platform/db/index.js';
import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import type { CrmWriteDeps } from './crm-read.deps.js';
import { findProject } from './crm-read.repo.js';
import type { ProjectView } from './crm-read.schemas.js';
import { findLinkableContact, findPipelineGhlId, findStageGhlId } from './crm-write.repo.js';
import type { CreateProjectInput, UpdateProjectInput } from './crm-write.schemas.js';
import { toProjectView } from './list-projects.js';
import { mergeCustomFields } from './write-custom-fields.js';
import { changeRecord, createRecord, deleteRecord, type RecordSpec } from './write-record.js';

const projectRecord: RecordSpec<ProjectView> = {
  entity: 'opportunities',
  label: 'Project',
  async read(tx, locationId, id) {
    const row = await findProject(tx, locationId, id, true);
    if (!row) throw new Error(`project ${id} vanished after its write`);
    return toProjectView(row);
  },
};

/** GHL ids of the pipeline and stage; a pipeline change without a stage lands on the new pipeline's first stage. */
async function resolveStage(
  tx: Executor,
  locationId: string,
  pipelineId: string | undefined,
  stageId: string | undefined,
  currentPipelineGhlId: string | null,
): Promise<Result<{ pipelineGhlId?: string; stageGhlId?: string }, 'unknown_pipeline' | 'unknown_stage'>> {
  if (pipelineId === undefined && stageId === undefined) return succeed({});
  const pipelineGhlId = pipelineId === undefined ? currentPipelineGhlId : await findPipelineGhlId(tx, locationId, pipelineId);
  if (!pipelineGhlId) return fail('unknown_pipeline', `Pipeline ${pipelineId ?? ''} does not exist in this location`);
  const stageGhlId = await findStageGhlId(tx, locationId, pipelineGhlId, stageId);
  if (!stageGhlId) return fail('unknown_stage', stageId === undefined ? 'The pipeline has no stages' : `Stage ${stageId} is not a stage of pipeline ${pipelineGhlId}`);
  return succeed({ pipelineGhlId, stageGhlId });
}

type ProjectChange = Pick<UpdateProjectInput, 'name' | 'status' | 'amountCents' | 'assignedTo' | 'customFields'>;

/** The columns of the given fields, with the stage resolved and custom field keys turned into GHL ids. */
async function projectColumns(
  tx: Tx,
  locationId: string,
  input: ProjectChange & { pipelineId?: string | undefined; stageId?: string | undefined },
  current: { pipelineGhlId: string | null; customFields: unknown },
): Promise<Result<Record<string, unknown>, 'unknown_pipeline' | 'unknown_stage' | 'unknown_custom_field'>> {
  const stage = await resolveStage(tx, locationId, input.pipelineId, input.stageId, current.pipelineGhlId);
  if (!stage.ok) return stage;
  const values: Record<string, unknown> = {
    name: input.name,
    pipeline_id: stage.value.pipelineGhlId,
    pipeline_stage_id: stage.value.stageGhlId,
    status: input.status,
    monetary_value_cents: input.amountCents,
    assigned_to: input.assignedTo,
  };
  if (!input.customFields) return succeed(values);
  const merged = await mergeCustomFields(tx, locationId, 'opportunity', current.customFields, input.customFields);
  return merged.ok ? succeed({ ...values, custom_fields: merged.value }) : merged;
}

export async function createProject(deps: CrmWriteDeps, principal: Principal, locationId: string, input: CreateProjectInput) {
  return createRecord(deps, principal, locationId, projectRecord, async (tx) => {
    const contact = await findLinkableContact(tx, locationId, input.contactId);
    if (!contact) return fail('unknown_contact', `Contact ${input.contactId} does not exist in this location`);
    const columns = await projectColumns(tx, locationId, input, { pipelineGhlId: null, customFields: [] });
    if (!columns.ok) return columns;
    return succeed({ values: { ...columns.value, contact_ghl_id: contact.ghlId, source: input.source }, contactId: contact.id });
  });
}

export async function updateProject(deps: CrmWriteDeps, principal: Principal, locationId: string, projectId: string, input: UpdateProjectInput) {
  return changeRecord(deps, principal, locationId, projectId, projectRecord, (tx, row) =>
    projectColumns(tx, locationId, input, { pipelineGhlId: (row.values['pipeline_id'] as string | null) ?? null, customFields: row.values['custom_fields'] }),
  );
}

export async function deleteProject(deps: CrmWriteDeps, principal: Principal, locationId: string, projectId: string) {
  return deleteRecord(deps, principal, locationId, projectId, projectRecord);
}
