import type { HttpErrorStatus } from '../../platform/http/index.js';
import type { FailureCodeOf } from '../../platform/result/index.js';
import type { completeInstall } from './oauth/install-app.js';

/** Every code the ghl use cases behind routes return. */
export type GhlErrorCode = FailureCodeOf<typeof completeInstall>;

/** The HTTP status of each ghl failure; a code without one fails to compile. */
export const GHL_ERROR_STATUS = {
  state_invalid: 400,
  code_rejected: 400,
  token_incomplete: 400,
  company_conflict: 409,
  ghl_unavailable: 502,
} as const satisfies Record<GhlErrorCode, HttpErrorStatus>;
