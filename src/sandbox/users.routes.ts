import { fail, failValidation, ok, parseIntegerParam, type ApiResult, type RequestContext, type RouteDefinition } from './http-kit.js';
import { requireToken, type SandboxRuntime } from './sandbox-runtime.js';
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

export function createUserRoutes(runtime: SandboxRuntime): RouteDefinition[] {
  return [
    { method: 'GET', path: '/users/search', family: 'users', tokenRequirement: 'any', scope: 'users.readonly', handle: (context) => searchUsers(runtime, context) },
    { method: 'GET', path: '/users/:userId', family: 'users', tokenRequirement: 'any', scope: 'users.readonly', handle: (context) => getUser(runtime, context) },
  ];
}
