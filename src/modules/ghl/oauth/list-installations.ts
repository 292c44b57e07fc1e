import type { Database } from '../../../platform/db/index.js';
import { tenantScopeOf, type Principal } from '../../../platform/http/index.js';
import { listInstallationRows, listTokenRows } from '../lifecycle/install-directory.repo.js';

/** Installations the caller can see, each with the state of its token (needs_reauth and why). */
export async function listInstallations(database: Database, principal: Principal) {
  return database.tenant(tenantScopeOf(principal), async (tx) => {
    const installations = await listInstallationRows(tx);
    const tokens = await listTokenRows(tx);
    const tokenBySubject = new Map(tokens.map((token) => [token.subjectKey, token]));
    return installations
      .filter((row) => row.locationId === null || principal.locations === '*' || principal.locations.has(row.locationId))
      .map((row) => {
        const token = tokenBySubject.get(row.installType === 'Location' ? `location:${row.ghlTargetId}` : `company:${row.ghlTargetId}`);
        return {
          id: row.id,
          installType: row.installType === 'Company' ? ('Company' as const) : ('Location' as const),
          status: token?.status === 'needs_reauth' && row.status === 'installed' ? 'needs_reauth' : row.status,
          ghlCompanyId: row.ghlCompanyId,
          ghlLocationId: row.ghlLocationId,
          locationId: row.locationId,
          planId: row.planId,
          installedAt: row.installedAt?.toISOString() ?? null,
          uninstalledAt: row.uninstalledAt?.toISOString() ?? null,
          token: token
            ? {
                status: token.status,
                reason: token.statusReason,
                accessExpiresAt: token.accessExpiresAt?.toISOString() ?? null,
                refreshedAt: token.refreshedAt?.toISOString() ?? null,
                scopes: token.scopes.split(' ').filter((scope) => scope.length > 0),
              }
            : null,
        };
      });
  });
}
