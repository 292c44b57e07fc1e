import { z } from 'zod';
import { findCompanyIdByGhlCompanyId } from '../tenants/index.js';
import type { ProcessOutcome, WebhookProcessor } from '../webhooks/index.js';
import { LocationNotInstalledError } from './location-not-installed-error.js';
import { resolveEventTenant, type CrmProcessorDeps } from './entity-processor.js';
import { applyEntityVersions, type EntityTable } from './entity-versions.repo.js';
import { anyValue, describeIssues, optionalStringList, optionalText, optionalTextish, requiredId, resolveSourceVersion } from './ghl-payload.js';

// UserCreate has two shapes: a sub-account user names `locationId`, an agency user names `companyId`
// and `locations[]`. UserUpdate/UserDelete have no genuine examples (their docs copy UserCreate's, with
// `type: "UserCreate"`), so both shapes are accepted for all three.
const userPayload = z.looseObject({
  id: requiredId,
  locationId: optionalText,
  companyId: optionalText,
  locations: optionalStringList,
  firstName: optionalText,
  lastName: optionalText,
  email: optionalText,
  phone: optionalText,
  extension: optionalTextish,
  role: optionalText,
  permissions: anyValue,
  dateUpdated: anyValue,
  updatedAt: anyValue,
});

const ghlUsersTable: EntityTable<'ghl_location_ids' | 'first_name' | 'last_name' | 'email' | 'phone' | 'extension' | 'role' | 'permissions'> = {
  name: 'ghl_users',
  idPrefix: 'gu',
  scope: 'company',
  columns: {
    // Each event may list only the location it was sent for; the union keeps every location seen.
    ghl_location_ids: { type: 'text[]', merge: 'union', fallback: "'{}'::text[]" },
    first_name: { type: 'text' },
    last_name: { type: 'text' },
    email: { type: 'text' },
    phone: { type: 'text' },
    extension: { type: 'text' },
    role: { type: 'text' },
    permissions: { type: 'jsonb', merge: 'keep-when-null' },
  },
};

function createUserProcessor(mode: 'upsert' | 'delete', deps: CrmProcessorDeps): WebhookProcessor {
  return async (tx, event): Promise<ProcessOutcome> => {
    const parsed = userPayload.safeParse(event.payload);
    if (!parsed.success) return { status: 'skipped', reason: `malformed ${event.eventType} payload: ${describeIssues(parsed.error)}` };
    const payload = parsed.data;
    let companyId: string;
    const locationTenant = await resolveEventTenant(tx, event, payload.locationId);
    if (locationTenant) {
      companyId = locationTenant.companyId;
    } else {
      const ghlCompanyId = event.ghlCompanyId ?? payload.companyId;
      if (!ghlCompanyId) return { status: 'skipped', reason: `${event.eventType} payload names neither a location nor a company` };
      const found = await findCompanyIdByGhlCompanyId(tx, ghlCompanyId);
      if (!found) throw new LocationNotInstalledError(ghlCompanyId, 'company');
      companyId = found;
    }
    const ghlLocationIds = [...new Set([...(payload.locations ?? []), ...(payload.locationId ? [payload.locationId] : [])])];
    const version = resolveSourceVersion(event, [payload.dateUpdated, payload.updatedAt]);
    const changed = await applyEntityVersions(
      tx,
      ghlUsersTable,
      [
        {
          companyId,
          locationId: null,
          ghlId: payload.id,
          values: {
            ghl_location_ids: ghlLocationIds,
            first_name: payload.firstName ?? null,
            last_name: payload.lastName ?? null,
            email: payload.email ?? null,
            phone: payload.phone ?? null,
            extension: payload.extension ?? null,
            role: payload.role ?? null,
            permissions: typeof payload.permissions === 'object' && payload.permissions !== null ? payload.permissions : null,
          },
          ...version,
          raw: event.payload,
        },
      ],
      { mode, now: deps.clock.now(), generateId: deps.generateId },
    );
    return changed > 0 ? { status: 'done' } : { status: 'skipped', reason: `ghl user ${payload.id}: already applied, stale, or deleted` };
  };
}

export function createGhlUserProcessors(deps: CrmProcessorDeps): Record<string, WebhookProcessor> {
  const upsert = createUserProcessor('upsert', deps);
  return { UserCreate: upsert, UserUpdate: upsert, UserDelete: createUserProcessor('delete', deps) };
}
