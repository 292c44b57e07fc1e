import type { Principal } from '../../platform/http/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { apiNamesOf, PROJECT_FIELDS } from './crm-write.fields.js';
import { toSyncStateView } from './write-through.js';
import { toIso, toSourceTime, withVisibleLocation, type CrmReadDeps } from './crm-read.deps.js';
import { findProject, selectPipelines, selectProjects, selectStages, type PageInput, type ProjectListRow } from './crm-read.repo.js';
import type { Page, PipelineView, ProjectView } from './crm-read.schemas.js';

const PROJECT_FIELDS_NAMES = apiNamesOf(PROJECT_FIELDS);

export function toProjectView(row: ProjectListRow): ProjectView {
  return {
    id: row.id,
    ghlId: row.ghlId,
    name: row.name,
    pipelineId: row.pipelineId,
    stageId: row.pipelineStageId,
    status: row.status,
    amountCents: row.monetaryValueCents,
    currency: row.currency,
    contactGhlId: row.contactGhlId,
    assignedTo: row.assignedTo,
    source: row.source,
    customFields: readProjectCustomFields(row.customFields),
    dateAdded: toIso(row.dateAdded),
    sourceUpdatedAt: toSourceTime(row.sourceUpdatedAt),
    deletedAt: toIso(row.deletedAt),
    sync: toSyncStateView(row, PROJECT_FIELDS_NAMES),
  };
}

/** Pipelines of the location with their stages in GHL's order. */
export async function listPipelines(deps: CrmReadDeps, principal: Principal, locationId: string): Promise<Result<{ items: PipelineView[] }, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const pipelines = await selectPipelines(tx, locationId);
    const stages = await selectStages(tx, locationId);
    const items = pipelines.map((pipeline) => ({
      id: pipeline.id,
      ghlId: pipeline.ghlId,
      name: pipeline.name,
      sourceUpdatedAt: toIso(pipeline.sourceUpdatedAt),
      stages: stages
        .filter((stage) => stage.pipelineGhlId === pipeline.ghlId)
        .map((stage) => ({ id: stage.id, ghlId: stage.ghlId, name: stage.name, position: stage.position === null ? null : Number(stage.position) })),
    }));
    return succeed({ items });
  });
}

export type ListProjectsInput = PageInput & { pipelineId?: string | undefined; stageId?: string | undefined; status?: string | undefined; q?: string | undefined; contactId?: string | undefined };

/** Projects are GHL opportunities. */
export async function listProjects(deps: CrmReadDeps, principal: Principal, locationId: string, input: ListProjectsInput): Promise<Result<Page<ProjectView>, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const { rows, total } = await selectProjects(tx, locationId, input);
    return succeed({ items: rows.map(toProjectView), total, limit: input.limit, offset: input.offset });
  });
}

export async function getProject(deps: CrmReadDeps, principal: Principal, locationId: string, projectId: string, input: { includeDeleted: boolean }): Promise<Result<ProjectView, 'not_found'>> {
  return withVisibleLocation(deps, principal, locationId, async (tx) => {
    const row = await findProject(tx, locationId, projectId, input.includeDeleted);
    return row ? succeed(toProjectView(row)) : fail('not_found', 'Project not found');
  });
}

/** Stored as GHL's `[{id, value}]`, or `[{key, value}]` for values set here by key and not yet pushed. */
function readProjectCustomFields(value: unknown): { id: string | null; key: string | null; value: unknown }[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((field: unknown) => {
    if (typeof field !== 'object' || field === null) return [];
    const { id, key, value: fieldValue } = field as { id?: unknown; key?: unknown; value?: unknown };
    if (typeof id !== 'string' && typeof key !== 'string') return [];
    return [{ id: typeof id === 'string' ? id : null, key: typeof key === 'string' ? key : null, value: fieldValue ?? null }];
  });
}
