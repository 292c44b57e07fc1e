import { asRecord, fail, failValidation, ok, parseIntegerParam, readString, readStringArray, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { requireLocationAccess, requireToken, type SandboxRuntime } from './sandbox-runtime.js';
import type { CustomField, CustomValue, Location, LocationData, LocationTag } from './sandbox-store.js';

function toLocationJson(location: Location): Record<string, unknown> {
  return { ...location };
}

function searchLocations(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const token = requireToken(context);
  const companyId = context.query.get('companyId') ?? token.companyId;
  if (companyId !== token.companyId) fail(403, 'The token does not have access to this company.');
  const skip = parseIntegerParam(context.query.get('skip'), 0);
  const limit = parseIntegerParam(context.query.get('limit'), 10);
  const email = context.query.get('email')?.toLowerCase();
  let locations = [...runtime.store.locations.values()].filter((location) => !email || location.email.toLowerCase() === email);
  // A location token only sees its own sub-account.
  if (token.userType === 'Location') locations = locations.filter((location) => location.id === token.locationId);
  if (context.query.get('order') === 'desc') locations.reverse();
  const rows = locations.slice(skip, skip + limit).map((location) => ({
    id: location.id,
    name: location.name,
    phone: location.phone,
    email: location.email,
    address: location.address,
    city: location.city,
    state: location.state,
    country: location.country,
    postalCode: location.postalCode,
    website: location.website,
    timezone: location.timezone,
    settings: location.settings,
    social: location.social,
  }));
  return ok({ locations: rows });
}

function toCustomFieldJson(field: CustomField): Record<string, unknown> {
  return { ...field, picklistImageOptions: [] };
}

const DATA_TYPES = ['TEXT', 'LARGE_TEXT', 'NUMERICAL', 'PHONE', 'MONETORY', 'CHECKBOX', 'SINGLE_OPTIONS', 'MULTIPLE_OPTIONS', 'DATE', 'TEXTBOX_LIST', 'FILE_UPLOAD', 'RADIO', 'EMAIL'];

function createCustomField(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { location, data } = requireLocationAccess(runtime, context, context.params['locationId']);
  const body = asRecord(context.body);
  const name = readString(body, 'name');
  const dataType = readString(body, 'dataType');
  const problems: string[] = [];
  if (!name) problems.push('name should not be empty');
  if (!dataType || !DATA_TYPES.includes(dataType)) problems.push('dataType must be a valid enum value');
  if (problems.length > 0 || !name || !dataType) failValidation(problems);
  const model = readString(body, 'model') === 'opportunity' ? 'opportunity' : 'contact';
  const options = Array.isArray(body['options']) ? body['options'].filter((option): option is string => typeof option === 'string') : [];
  const field: CustomField = {
    id: runtime.random.createGhlId(),
    name,
    fieldKey: `${model}.${name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`,
    placeholder: readString(body, 'placeholder') ?? '',
    dataType,
    position: typeof body['position'] === 'number' ? body['position'] : data.customFields.size * 50,
    picklistOptions: options,
    isAllowedCustomOption: false,
    isMultiFileAllowed: body['isMultipleFile'] === true,
    maxFileLimit: typeof body['maxNumberOfFiles'] === 'number' ? body['maxNumberOfFiles'] : 0,
    locationId: location.id,
    model,
  };
  data.customFields.set(field.id, field);
  return ok({ customField: toCustomFieldJson(field) }, 201);
}

function findCustomField(runtime: SandboxRuntime, context: RequestContext): CustomField {
  const { data } = requireLocationAccess(runtime, context, context.params['locationId']);
  const field = data.customFields.get(context.params['id'] ?? '');
  if (!field) fail(404, 'Custom field not found');
  return field;
}

function createCustomValue(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { location, data } = requireLocationAccess(runtime, context, context.params['locationId']);
  const body = asRecord(context.body);
  const name = readString(body, 'name');
  const value = readString(body, 'value');
  const problems: string[] = [];
  if (!name) problems.push('name should not be empty');
  if (value === undefined) problems.push('value must be a string');
  if (problems.length > 0 || !name || value === undefined) failValidation(problems);
  const id = runtime.random.createGhlId();
  const customValue = { id, name, fieldKey: `{{ custom_values.${name.toLowerCase().replace(/[^a-z0-9]+/g, '_')} }}`, value, locationId: location.id };
  data.customValues.set(id, customValue);
  return ok({ customValue }, 201);
}

function createTag(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { location, data } = requireLocationAccess(runtime, context, context.params['locationId']);
  const name = readString(asRecord(context.body), 'name');
  if (!name) failValidation(['name should not be empty']);
  for (const tag of data.tags.values()) if (tag.name === name) fail(400, 'Tag with the same name already exists');
  const tag = { id: runtime.random.createGhlId(), name, locationId: location.id };
  data.tags.set(tag.id, tag);
  return ok({ tag });
}

function updateCustomField(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const field = findCustomField(runtime, context);
  const body = asRecord(context.body);
  const name = readString(body, 'name');
  if (!name) failValidation(['name should not be empty']);
  field.name = name;
  const placeholder = readString(body, 'placeholder');
  if (placeholder !== undefined) field.placeholder = placeholder;
  if (typeof body['position'] === 'number') field.position = body['position'];
  return ok({ customField: toCustomFieldJson(field) });
}

function deleteCustomField(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const field = findCustomField(runtime, context);
  requireLocationAccess(runtime, context, field.locationId).data.customFields.delete(field.id);
  return ok({ succeded: true });
}

function findCustomValue(runtime: SandboxRuntime, context: RequestContext): { data: LocationData; customValue: CustomValue } {
  const { data } = requireLocationAccess(runtime, context, context.params['locationId']);
  const customValue = data.customValues.get(context.params['id'] ?? '');
  if (!customValue) fail(404, 'Custom value not found');
  return { data, customValue };
}

function updateCustomValue(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { customValue } = findCustomValue(runtime, context);
  const body = asRecord(context.body);
  const name = readString(body, 'name');
  const value = readString(body, 'value');
  const problems: string[] = [];
  if (!name) problems.push('name should not be empty');
  if (value === undefined) problems.push('value must be a string');
  if (problems.length > 0 || !name || value === undefined) failValidation(problems);
  customValue.name = name;
  customValue.value = value;
  return ok({ customValue });
}

function findTag(runtime: SandboxRuntime, context: RequestContext): { data: LocationData; tag: LocationTag } {
  const { data } = requireLocationAccess(runtime, context, context.params['locationId']);
  const tag = data.tags.get(context.params['tagId'] ?? '');
  if (!tag) fail(404, 'Tag not found');
  return { data, tag };
}

/** Location-wide task search (`locations/tasks.readonly`); offset paging with skip/limit. */
function searchTasks(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { location } = requireLocationAccess(runtime, context, context.params['locationId']);
  const body = asRecord(context.body);
  const contactIds = readStringArray(body, 'contactId');
  const assignedTo = readStringArray(body, 'assignedTo');
  const completed = typeof body['completed'] === 'boolean' ? body['completed'] : undefined;
  const needle = readString(body, 'query')?.toLowerCase();
  const tasks = [];
  for (const list of runtime.store.tasksByContact.values()) {
    for (const task of list) {
      if (task.locationId !== location.id) continue;
      if (contactIds && !contactIds.includes(task.contactId)) continue;
      if (assignedTo && !assignedTo.includes(task.assignedTo)) continue;
      if (completed !== undefined && task.completed !== completed) continue;
      if (needle && !task.title.toLowerCase().includes(needle)) continue;
      tasks.push({ id: task.id, title: task.title, body: task.body, assignedTo: task.assignedTo, dueDate: task.dueDate, completed: task.completed, contactId: task.contactId });
    }
  }
  const skip = typeof body['skip'] === 'number' ? body['skip'] : 0;
  const limit = typeof body['limit'] === 'number' ? body['limit'] : 25;
  return ok({ tasks: tasks.slice(skip, skip + limit) });
}

export function createLocationRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  const family = 'locations';
  return [
    { method: 'GET', path: '/locations/search', family, tokenRequirement: 'any', scope: 'locations.readonly', handle: (context) => searchLocations(runtime, context) },
    {
      method: 'GET', path: '/locations/:locationId', family, tokenRequirement: 'any', scope: 'locations.readonly',
      handle: (context) => ok({ location: toLocationJson(requireLocationAccess(runtime, context, context.params['locationId']).location) }),
    },
    {
      method: 'GET', path: '/locations/:locationId/customFields', family, tokenRequirement: 'location', scope: 'locations/customFields.readonly',
      handle: (context) => {
        const { data } = requireLocationAccess(runtime, context, context.params['locationId']);
        const model = context.query.get('model');
        const fields = [...data.customFields.values()].filter((field) => !model || model === 'all' || field.model === model);
        return ok({ customFields: fields.map(toCustomFieldJson) });
      },
    },
    { method: 'POST', path: '/locations/:locationId/customFields', family, tokenRequirement: 'location', scope: 'locations/customFields.write', handle: (context) => createCustomField(runtime, context) },
    {
      method: 'GET', path: '/locations/:locationId/customFields/:id', family, tokenRequirement: 'location', scope: 'locations/customFields.readonly',
      handle: (context) => ok({ customField: toCustomFieldJson(findCustomField(runtime, context)) }),
    },
    {
      method: 'GET', path: '/locations/:locationId/customValues', family, tokenRequirement: 'location', scope: 'locations/customValues.readonly',
      handle: (context) => ok({ customValues: [...requireLocationAccess(runtime, context, context.params['locationId']).data.customValues.values()] }),
    },
    { method: 'POST', path: '/locations/:locationId/customValues', family, tokenRequirement: 'location', scope: 'locations/customValues.write', handle: (context) => createCustomValue(runtime, context) },
    {
      method: 'GET', path: '/locations/:locationId/tags', family, tokenRequirement: 'location', scope: 'locations/tags.readonly',
      handle: (context) => ok({ tags: [...requireLocationAccess(runtime, context, context.params['locationId']).data.tags.values()] }),
    },
    { method: 'POST', path: '/locations/:locationId/tags', family, tokenRequirement: 'location', scope: 'locations/tags.write', handle: (context) => createTag(runtime, context) },
    // The spec lists no scope on the single-record operations below; the family's scope applies in practice.
    { method: 'PUT', path: '/locations/:locationId/customFields/:id', family, tokenRequirement: 'location', scope: 'locations/customFields.write', handle: (context) => updateCustomField(runtime, context) },
    { method: 'DELETE', path: '/locations/:locationId/customFields/:id', family, tokenRequirement: 'location', scope: 'locations/customFields.write', handle: (context) => deleteCustomField(runtime, context) },
    { method: 'GET', path: '/locations/:locationId/customValues/:id', family, tokenRequirement: 'location', scope: 'locations/customValues.readonly', handle: (context) => ok({ customValue: findCustomValue(runtime, context).customValue }) },
    { method: 'PUT', path: '/locations/:locationId/customValues/:id', family, tokenRequirement: 'location', scope: 'locations/customValues.write', handle: (context) => updateCustomValue(runtime, context) },
    {
      method: 'DELETE', path: '/locations/:locationId/customValues/:id', family, tokenRequirement: 'location', scope: 'locations/customValues.write',
      handle: (context) => {
        const { data, customValue } = findCustomValue(runtime, context);
        data.customValues.delete(customValue.id);
        return ok({ succeded: true });
      },
    },
    { method: 'GET', path: '/locations/:locationId/tags/:tagId', family, tokenRequirement: 'location', scope: 'locations/tags.readonly', handle: (context) => ok({ tag: findTag(runtime, context).tag }) },
    {
      method: 'PUT', path: '/locations/:locationId/tags/:tagId', family, tokenRequirement: 'location', scope: 'locations/tags.write',
      handle: (context) => {
        const { tag } = findTag(runtime, context);
        const name = readString(asRecord(context.body), 'name');
        if (!name) failValidation(['name should not be empty']);
        tag.name = name;
        return ok({ tag });
      },
    },
    {
      method: 'DELETE', path: '/locations/:locationId/tags/:tagId', family, tokenRequirement: 'location', scope: 'locations/tags.write',
      handle: (context) => {
        const { data, tag } = findTag(runtime, context);
        data.tags.delete(tag.id);
        return ok({ succeded: true });
      },
    },
    { method: 'POST', path: '/locations/:locationId/tasks/search', family, tokenRequirement: 'location', scope: 'locations/tasks.readonly', handle: (context) => searchTasks(runtime, context) },
  ];
}
