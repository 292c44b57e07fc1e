import { z } from 'zod';
import type { Clock } from '../../../platform/clock/clock.js';
import type { Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { ensureGhlCompany, ensureGhlLocation, findCompanyIdByGhlCompanyId, findTenantByGhlLocationId, findTenantsByGhlLocationIds, renameKnownLocations, type TenantRef } from '../../tenants/index.js';
import { resolveSourceVersion, type BatchOutcome, type ProcessOutcome, type WebhookBatchProcessor, type WebhookEvent, type WebhookProcessor } from '../../webhooks/index.js';
import { applyGhlLocationVersion, applyGhlLocationVersions, applyInstallationEvent, changeInstallationPlan, uninstallAgencyLocations, type GhlLocationVersion, type InstallType } from './installations.repo.js';

export interface GhlLifecycleDeps {
  generateId: IdGenerator;
  clock: Clock;
  /**
   * Deletes the vault secrets of an uninstalled target (the token store's revokeSubject). Optional so
   * the lifecycle works before OAuth is wired; subject keys are `location:<id>` / `company:<id>`.
   */
  tokens?: { revokeSubject(tx: Executor, subjectKey: string, reason: string): Promise<boolean> };
}

/** The INSTALL names a location we cannot create yet (no companyId) and the OAuth callback has not stored it. Retried. */
export class GhlInstallTargetUnknownError extends Error {
  constructor(readonly ghlId: string) {
    super(`GHL location ${ghlId} is unknown here and the event names no company to create it under; retry after the OAuth install`);
    this.name = 'GhlInstallTargetUnknownError';
  }
}

/** PLAN_CHANGE (or another lifecycle update) for an installation whose INSTALL has not been processed yet. Retried. */
export class GhlInstallationNotFoundError extends Error {
  constructor(readonly ghlTargetId: string) {
    super(`no installation of ${ghlTargetId} yet; retry after its INSTALL is processed`);
    this.name = 'GhlInstallationNotFoundError';
  }
}

const text = z.string().trim().min(1).optional().catch(undefined);

const installPayload = z.looseObject({
  appId: z.string().trim().min(1),
  versionId: text,
  installType: text,
  locationId: text,
  companyId: text,
  userId: text,
  planId: text,
  companyName: text,
});

const uninstallPayload = z.looseObject({ appId: z.string().trim().min(1), locationId: text, companyId: text });

const planChangePayload = z.looseObject({
  appId: z.string().trim().min(1),
  locationId: text,
  companyId: text,
  currentPlanId: text,
  newPlanId: z.string().trim().min(1),
});

const locationPayload = z.looseObject({
  id: z.string().trim().min(1),
  companyId: text,
  name: text,
  email: text,
  timezone: text,
  dateUpdated: z.unknown().optional(),
  updatedAt: z.unknown().optional(),
});

function malformed(event: WebhookEvent, error: z.ZodError): ProcessOutcome {
  const detail = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
  return { status: 'skipped', reason: `malformed ${event.eventType} payload: ${detail}` };
}

/**
 * Which target an event is about. Only one of the four official INSTALL examples has `installType`;
 * the others (and every UNINSTALL/PLAN_CHANGE) imply it: a locationId means the location, its absence
 * the agency. A location id wins even next to installType "Company": the event concerns that location.
 */
function targetOf(payload: { locationId?: string | undefined; companyId?: string | undefined }): { installType: InstallType; ghlTargetId: string } | undefined {
  if (payload.locationId) return { installType: 'Location', ghlTargetId: payload.locationId };
  if (payload.companyId) return { installType: 'Company', ghlTargetId: payload.companyId };
  return undefined;
}

function eventTimeOf(event: WebhookEvent): Date {
  return resolveSourceVersion(event, []).sourceUpdatedAt;
}

function createInstallProcessor(deps: GhlLifecycleDeps): WebhookProcessor {
  return async (tx, event) => {
    const parsed = installPayload.safeParse(event.payload);
    if (!parsed.success) return malformed(event, parsed.error);
    const payload = parsed.data;
    const target = targetOf(payload);
    if (!target) return { status: 'skipped', reason: 'INSTALL names neither a location nor a company' };
    let companyId: string;
    let locationId: string | null = null;
    if (target.installType === 'Location') {
      const existing = await findTenantByGhlLocationId(tx, target.ghlTargetId);
      if (existing) {
        ({ companyId, locationId } = existing);
      } else {
        // Installs to "future locations" may lack companyId (ghl-api.md §6); the OAuth callback knows it.
        if (!payload.companyId) throw new GhlInstallTargetUnknownError(target.ghlTargetId);
        await ensureGhlCompany(tx, deps.generateId, { ghlCompanyId: payload.companyId, name: payload.companyName });
        ({ companyId, locationId } = await ensureGhlLocation(tx, deps.generateId, { ghlLocationId: target.ghlTargetId, ghlCompanyId: payload.companyId }));
      }
    } else {
      companyId = await ensureGhlCompany(tx, deps.generateId, { ghlCompanyId: target.ghlTargetId, name: payload.companyName });
    }
    const isChanged = await applyInstallationEvent(
      tx,
      deps.generateId,
      {
        ...target,
        appId: payload.appId,
        companyId,
        locationId,
        ghlCompanyId: payload.companyId ?? null,
        ghlLocationId: payload.locationId ?? null,
        versionId: payload.versionId ?? null,
        planId: payload.planId ?? null,
        installedByGhlUserId: payload.userId ?? null,
        eventAt: eventTimeOf(event),
        raw: event.payload,
      },
      'installed',
      deps.clock.now(),
    );
    return isChanged ? { status: 'done' } : { status: 'skipped', reason: `installation ${target.ghlTargetId}: already applied or stale` };
  };
}

function createUninstallProcessor(deps: GhlLifecycleDeps): WebhookProcessor {
  return async (tx, event) => {
    const parsed = uninstallPayload.safeParse(event.payload);
    if (!parsed.success) return malformed(event, parsed.error);
    const payload = parsed.data;
    const target = targetOf(payload);
    if (!target) return { status: 'skipped', reason: 'UNINSTALL names neither a location nor a company' };
    const now = deps.clock.now();
    const eventAt = eventTimeOf(event);
    let companyId: string | undefined;
    let locationId: string | null = null;
    if (target.installType === 'Location') {
      const tenant = await findTenantByGhlLocationId(tx, target.ghlTargetId);
      companyId = tenant?.companyId;
      locationId = tenant?.locationId ?? null;
    } else {
      companyId = await findCompanyIdByGhlCompanyId(tx, target.ghlTargetId);
    }
    // Nothing of this target was ever stored here: there is nothing to mark or keep.
    if (!companyId) return { status: 'skipped', reason: `UNINSTALL of unknown ${target.installType} ${target.ghlTargetId}` };
    // Data is kept on purpose (reinstall resumes, reports stay whole); only the status and the tokens go.
    const isChanged = await applyInstallationEvent(
      tx,
      deps.generateId,
      {
        ...target,
        appId: payload.appId,
        companyId,
        locationId,
        ghlCompanyId: payload.companyId ?? null,
        ghlLocationId: payload.locationId ?? null,
        versionId: null,
        planId: null,
        installedByGhlUserId: null,
        eventAt,
        raw: event.payload,
      },
      'uninstalled',
      now,
    );
    const revoked: string[] = [];
    if (isChanged) revoked.push(`${target.installType === 'Location' ? 'location' : 'company'}:${target.ghlTargetId}`);
    if (target.installType === 'Company') {
      // Removing an agency-level app removes it from every location it was installed in through the agency.
      const locations = await uninstallAgencyLocations(tx, { appId: payload.appId, ghlCompanyId: target.ghlTargetId, eventAt, raw: event.payload, now });
      revoked.push(...locations.map((ghlLocationId) => `location:${ghlLocationId}`));
    }
    if (deps.tokens) for (const subjectKey of revoked) await deps.tokens.revokeSubject(tx, subjectKey, 'uninstalled (UNINSTALL webhook)');
    return revoked.length > 0 ? { status: 'done' } : { status: 'skipped', reason: `installation ${target.ghlTargetId}: already uninstalled or a newer event applies` };
  };
}

function createPlanChangeProcessor(deps: GhlLifecycleDeps): WebhookProcessor {
  return async (tx, event) => {
    const parsed = planChangePayload.safeParse(event.payload);
    if (!parsed.success) return malformed(event, parsed.error);
    const payload = parsed.data;
    const target = targetOf(payload);
    if (!target) return { status: 'skipped', reason: 'PLAN_CHANGE names neither a location nor a company' };
    const outcome = await changeInstallationPlan(tx, { ...target, appId: payload.appId, planId: payload.newPlanId, eventAt: eventTimeOf(event), raw: event.payload, now: deps.clock.now() });
    switch (outcome) {
      case 'missing':
        throw new GhlInstallationNotFoundError(target.ghlTargetId);
      case 'changed':
        return { status: 'done' };
      case 'unchanged':
        return { status: 'skipped', reason: `installation ${target.ghlTargetId}: plan already ${payload.newPlanId} or a newer event applies` };
    }
  };
}

type LocationPayload = z.infer<typeof locationPayload>;

/** One LocationCreate/LocationUpdate as the ghl_locations version it carries, for our location `tenant`. */
function locationVersionOf(event: WebhookEvent, payload: LocationPayload, tenant: TenantRef, ghlCompanyId: string | undefined): GhlLocationVersion {
  return {
    ghlLocationId: payload.id,
    companyId: tenant.companyId,
    locationId: tenant.locationId,
    ghlCompanyId: ghlCompanyId ?? '',
    name: payload.name ?? null,
    email: payload.email ?? null,
    timezone: payload.timezone ?? null,
    ...resolveSourceVersion(event, [payload.dateUpdated, payload.updatedAt]),
    raw: event.payload,
  };
}

/**
 * LocationCreate/LocationUpdate (agency-level apps only): create or rename our location, stale-safe
 * through ghl_locations. The batch form takes a claim's events of known locations in three statements
 * (the locations, the ghl_locations versions, the renames); an event of a location not known here, or
 * a second event of one location in the batch, runs as one event, in order, after them.
 */
function createLocationProcessor(deps: GhlLifecycleDeps): WebhookProcessor & { processBatch: WebhookBatchProcessor } {
  const processOne: WebhookProcessor = async (tx, event) => {
    const parsed = locationPayload.safeParse(event.payload);
    if (!parsed.success) return malformed(event, parsed.error);
    const payload = parsed.data;
    const existing = await findTenantByGhlLocationId(tx, payload.id);
    const ghlCompanyId = payload.companyId ?? event.ghlCompanyId ?? undefined;
    if (!existing && !ghlCompanyId) return { status: 'skipped', reason: `${event.eventType} for unknown location ${payload.id} names no company` };
    const tenant = existing ?? (await ensureGhlLocation(tx, deps.generateId, { ghlLocationId: payload.id, ghlCompanyId: ghlCompanyId as string, name: payload.name, timezone: payload.timezone }));
    const isNewest = await applyGhlLocationVersion(tx, locationVersionOf(event, payload, tenant, ghlCompanyId), deps.clock.now());
    if (!isNewest) return { status: 'skipped', reason: `location ${payload.id}: already applied or stale` };
    // For a known location ensureGhlLocation only renames; the company id is not used then.
    if (existing) await ensureGhlLocation(tx, deps.generateId, { ghlLocationId: payload.id, ghlCompanyId: ghlCompanyId ?? '', name: payload.name, timezone: payload.timezone });
    return { status: 'done' };
  };
  const processBatch: WebhookBatchProcessor = async (tx, events) => {
    const outcomes: BatchOutcome[] = [];
    const parsed = events.map((event) => locationPayload.safeParse(event.payload));
    const known = await findTenantsByGhlLocationIds(tx, parsed.flatMap((result) => (result.success ? [result.data.id] : [])));
    const together: { index: number; payload: LocationPayload; version: GhlLocationVersion }[] = [];
    const alone: number[] = [];
    const taken = new Set<string>();
    for (const [index, event] of events.entries()) {
      const result = parsed[index];
      if (!result) continue;
      if (!result.success) {
        outcomes[index] = malformed(event, result.error);
        continue;
      }
      const tenant = known.get(result.data.id);
      if (!tenant || taken.has(result.data.id)) {
        alone.push(index);
        continue;
      }
      taken.add(result.data.id);
      together.push({ index, payload: result.data, version: locationVersionOf(event, result.data, tenant, result.data.companyId ?? event.ghlCompanyId ?? undefined) });
    }
    const now = deps.clock.now();
    const newest = await applyGhlLocationVersions(tx, together.map((item) => item.version), now);
    await renameKnownLocations(
      tx,
      together.filter((item) => newest.has(item.payload.id)).map((item) => ({ locationId: item.version.locationId, name: item.payload.name, timezone: item.payload.timezone })),
      now,
    );
    for (const { index, payload } of together) {
      outcomes[index] = newest.has(payload.id) ? { status: 'done' } : { status: 'skipped', reason: `location ${payload.id}: already applied or stale` };
    }
    // After the batch: a location created here, or a later version of one in the batch, sees what came before it.
    for (const index of alone) outcomes[index] = await processOne(tx, events[index] as WebhookEvent);
    return outcomes;
  };
  return Object.assign(processOne, { processBatch });
}

export function createGhlLifecycleProcessors(
  deps: GhlLifecycleDeps,
): Record<'INSTALL' | 'UNINSTALL' | 'PLAN_CHANGE', WebhookProcessor> & Record<'LocationCreate' | 'LocationUpdate', WebhookProcessor & { processBatch: WebhookBatchProcessor }> {
  const location = createLocationProcessor(deps);
  return {
    INSTALL: createInstallProcessor(deps),
    UNINSTALL: createUninstallProcessor(deps),
    PLAN_CHANGE: createPlanChangeProcessor(deps),
    LocationCreate: location,
    LocationUpdate: location,
  };
}
