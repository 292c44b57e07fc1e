export { createHttpServer } from './create-http-server.js';
export type { HttpServer, HttpServerOptions } from './create-http-server.js';
export { isoDateTimeSchema, bigintIdSchema, isStorableInstant } from './input-schemas.js';
export { findInvalidText } from './input-text.js';
export type { InvalidText } from './input-text.js';
export { buildErrorBody, sendError, errorBodySchema, errorResponses } from './error-body.js';
export type { ErrorBody } from './error-body.js';
export { tenantScopeOf, canAccessLocation, isLocationAdmin, isPlatformAdmin, principalOf } from './principal.js';
export type { Principal, Authenticator, UserRole, LocationRole } from './principal.js';
