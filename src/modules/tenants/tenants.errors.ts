import type { HttpErrorStatus } from '../../platform/http/index.js';
import type { FailureCodeOf } from '../../platform/result/index.js';
import type { getCurrentUser, listUsers } from './list-users.js';
import type { logIn } from './log-in.js';
import type { createApiKey, revokeApiKey } from './manage-api-keys.js';
import type { createInvite, revokeInvite } from './manage-invites.js';
import type { createLocation, getLocation, updateLocation } from './manage-locations.js';
import type { registerAccount } from './register-account.js';
import type { startDemoSession } from './start-demo-session.js';
import type { changePassword } from './change-password.js';
import type { endCurrentSession, endOtherSessions, endUserSession, listUserSessions } from './user-sessions.js';

/** Every code the tenants use cases return, plus the ones its routes answer themselves. */
export type TenantsErrorCode =
  | FailureCodeOf<
      | typeof registerAccount
      | typeof logIn
      | typeof getCurrentUser
      | typeof listUsers
      | typeof createLocation
      | typeof getLocation
      | typeof updateLocation
      | typeof createApiKey
      | typeof revokeApiKey
      | typeof createInvite
      | typeof revokeInvite
      | typeof startDemoSession
      | typeof endCurrentSession
      | typeof listUserSessions
      | typeof endUserSession
      | typeof endOtherSessions
      | typeof changePassword
    >
  | 'users_only';

/** The HTTP status of each tenants failure; a code without one fails to compile. */
export const TENANTS_ERROR_STATUS = {
  email_taken: 409,
  invite_invalid: 400,
  invite_email_mismatch: 400,
  password_matches_email: 400,
  password_too_common: 400,
  invalid_credentials: 401,
  too_many_attempts: 429,
  not_found: 404,
  forbidden: 403,
  company_required: 400,
  company_not_found: 404,
  location_not_found: 404,
  role_mismatch: 400,
  users_only: 403,
  current_password_incorrect: 400,
  password_unchanged: 400,
  demo_unavailable: 500,
} as const satisfies Record<TenantsErrorCode, HttpErrorStatus>;
