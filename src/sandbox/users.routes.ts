import { asRecord, fail, failValidation, ok, parseIntegerParam, readBoolean, readString, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { requireLocationAccess, requireToken, type SandboxRuntime } from './sandbox-runtime.js';
import type { User } from './sandbox-store.js';

function toUserJson(user: User): Record<string, unknown> {
  const { companyId: _companyId, ...json } = user;
  return json;
}

function isVisibleTo(user: User, tokenLocationId: string | undefined): boolean {
  return tokenLocationId === undefined || user.roles.locationIds.includes(tokenLocationId);
}

function searchUsers(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const token = requireToken(context);
  const companyId = context.query.get('companyId');
  if (!companyId) failValidation(['companyId should not be empty']);
  if (companyId !== token.companyId) fail(403, 'The token does not have access to this company.');
  const locationId = context.query.get('locationId') ?? undefined;
  if (token.userType === 'Location' && locationId !== undefined && locationId !== token.locationId) fail(403, 'The token does not have access to this location.');
  if (locationId !== undefined && runtime.installations.isUninstalled(locationId)) fail(403, 'The app is not installed on this location.');
  const scopeLocationId = token.userType === 'Location' ? token.locationId : locationId;
  const query = context.query.get('query')?.toLowerCase();
  const ids = context.query.get('ids')?.split(',');
  const type = context.query.get('type');
  const role = context.query.get('role');
  const users = [...runtime.store.users.values()].filter(
    (user) =>
      !user.deleted &&
      isVisibleTo(user, scopeLocationId) &&
      (!query || user.name.toLowerCase().includes(query) || user.email.includes(query)) &&
      (!ids || ids.includes(user.id)) &&
      (!type || user.roles.type === type) &&
      (!role || user.roles.role === role),
  );
  const skip = parseIntegerParam(context.query.get('skip'), 0);
  const limit = parseIntegerParam(context.query.get('limit'), 25);
  return ok({ users: users.slice(skip, skip + limit).map(toUserJson), count: users.length });
}

function getUser(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const token = requireToken(context);
  const user = runtime.store.users.get(context.params['userId'] ?? '');
  if (!user || user.companyId !== token.companyId) fail(404, 'User not found');
  if (token.userType === 'Location' && !isVisibleTo(user, token.locationId)) fail(403, 'The token does not have access to this location.');
  return ok(toUserJson(user));
}

/** Deprecated `GET /users/?locationId=` (removed in v3): the location's users, unpaged. */
function listLocationUsers(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const { location } = requireLocationAccess(runtime, context, context.query.get('locationId') ?? undefined);
  const users = [...runtime.store.users.values()].filter((user) => !user.deleted && isVisibleTo(user, location.id));
  return ok({ users: users.map(toUserJson) });
}

/** Fields `POST /users/search/filter-by-email` returns without a `projection` ("only id and email"). */
const DEFAULT_EMAIL_PROJECTION = ['id', 'email'];

/** Agency tokens only; `emails` is one comma-separated string, as the spec's FilterByEmailDto says. */
function filterUsersByEmail(runtime: SandboxRuntime, context: RequestContext): ApiResult {
  const token = requireToken(context);
  const body = asRecord(context.body);
  const companyId = readString(body, 'companyId');
  const emailsText = readString(body, 'emails');
  const problems: string[] = [];
  if (!companyId) problems.push('companyId should not be empty');
  if (emailsText === undefined || emailsText.trim() === '') problems.push('emails should not be empty');
  if (problems.length > 0 || !companyId || emailsText === undefined) failValidation(problems);
  if (companyId !== token.companyId) fail(403, 'The token does not have access to this company.');
  const emails = new Set(emailsText.split(',').map((email) => email.trim().toLowerCase()).filter((email) => email.length > 0));
  const isDeleted = readBoolean(body, 'deleted') ?? false;
  const matching = [...runtime.store.users.values()].filter((user) => user.companyId === companyId && user.deleted === isDeleted && emails.has(user.email.toLowerCase()));
  const skip = parseIntegerParam(readString(body, 'skip') ?? null, 0);
  const limit = parseIntegerParam(readString(body, 'limit') ?? null, 25);
  const projection = readString(body, 'projection');
  const fields = projection === 'all' ? undefined : projection ? projection.split(',').map((field) => field.trim()) : DEFAULT_EMAIL_PROJECTION;
  const users = matching.slice(skip, skip + limit).map((user) => {
    const json = toUserJson(user);
    if (!fields) return json;
    return Object.fromEntries(Object.entries(json).filter(([key]) => key === 'id' || fields.includes(key)));
  });
  return ok({ users, count: matching.length });
}

export function createUserRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  return [
    { method: 'GET', path: '/users/search', family: 'users', tokenRequirement: 'any', scope: 'users.readonly', handle: (context) => searchUsers(runtime, context) },
    { method: 'POST', path: '/users/search/filter-by-email', family: 'users', tokenRequirement: 'company', scope: 'users.readonly', handle: (context) => filterUsersByEmail(runtime, context) },
    { method: 'GET', path: '/users/', family: 'users', tokenRequirement: 'location', scope: 'users.readonly', handle: (context) => listLocationUsers(runtime, context) },
    { method: 'GET', path: '/users/:userId', family: 'users', tokenRequirement: 'any', scope: 'users.readonly', handle: (context) => getUser(runtime, context) },
  ];
}
