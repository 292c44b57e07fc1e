import type { Authenticator } from '../../platform/http/index.js';
import type { AppModule } from '../../platform/module/index.js';
import { createAuthenticator } from './authenticate-request.js';
import type { TenantsDeps } from './tenants.deps.js';
import { registerTenantsRoutes } from './tenants.routes.js';
import { registerSessionRoutes, type SessionRoutesOptions } from './session.routes.js';
import { purgeEndedSessionsJob } from './user-sessions.js';

export interface TenantsModule extends AppModule {
  /** Turns a request's credentials into a principal; the HTTP server runs it before every route. */
  authenticator: Authenticator;
}

/** Agencies, locations, users, roles, sessions, API keys and invites. */
export function createTenantsModule(deps: TenantsDeps, options: { browserSessions: SessionRoutesOptions }): TenantsModule {
  return {
    name: 'tenants',
    authenticator: createAuthenticator(deps),
    // Ended sessions (expired or logged out) are refused either way; the rows go after a week.
    schedules: [purgeEndedSessionsJob(deps, '41 3 * * *')],
    registerRoutes: (app) => {
      registerTenantsRoutes(app, deps);
      // Cookie sessions for the dashboard (and their CSRF guard); see cookie-session.ts.
      registerSessionRoutes(app, deps, options.browserSessions);
    },
  };
}
