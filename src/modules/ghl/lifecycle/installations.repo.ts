import { sql } from 'drizzle-orm';
import type { Clock } from '../../../platform/clock/clock.js';
import { ghlInstallations } from '../ghl-installations.tables.js';
import { queryRows, type Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';

export type InstallType = 'Company' | 'Location';

export interface InstallationTarget {
  appId: string;
  installType: InstallType;
  /** GHL location id (Location) or GHL company id (Company). */
  ghlTargetId: string;
}

export interface InstallationFacts extends InstallationTarget {
  companyId: string;
  locationId: string | null;
  ghlCompanyId: string | null;
  ghlLocationId: string | null;
  versionId: string | null;
  planId: string | null;
  installedByGhlUserId: string | null;
  eventAt: Date;
  raw: Record<string, unknown>;
}

/*
 * Lifecycle events are ordered by `last_event_at`. A newer event moves the status; an older one (a
 * replay, or an INSTALL webhook processed after the OAuth callback already stamped the row) may only
 * fill facts the row lacks (plan, version, installer), never flip the status back.
 */
const isNewer = sql`(excluded.last_event_at > ghl_installations.last_event_at
  or (excluded.last_event_at = ghl_installations.last_event_at and excluded.raw is distinct from ghl_installations.raw))`;
const fillsGaps = sql`((ghl_installations.plan_id is null and excluded.plan_id is not null)
  or (ghl_installations.version_id is null and excluded.version_id is not null)
  or (ghl_installations.installed_by_ghl_user_id is null and excluded.installed_by_ghl_user_id is not null)
  or (ghl_installations.ghl_company_id is null and excluded.ghl_company_id is not null))`;

/** Records an installation, or a known target's uninstall (so a stale INSTALL cannot revive it). Returns whether the row changed. */
export async function applyInstallationEvent(
  tx: Executor,
  generateId: IdGenerator,
  facts: InstallationFacts,
  status: 'installed' | 'uninstalled',
  now: Date,
): Promise<boolean> {
  const eventAt = facts.eventAt.toISOString();
  const rows = await queryRows<{ id: string }>(
    tx,
    sql`insert into ghl_installations (id, company_id, location_id, ghl_company_id, ghl_location_id, app_id, version_id, install_type, ghl_target_id,
        status, plan_id, installed_by_ghl_user_id, installed_at, uninstalled_at, last_event_at, raw, created_at, updated_at)
      values (${generateId('inst')}, ${facts.companyId}, ${facts.locationId}, ${facts.ghlCompanyId}, ${facts.ghlLocationId}, ${facts.appId}, ${facts.versionId},
        ${facts.installType}, ${facts.ghlTargetId}, ${status}, ${facts.planId}, ${facts.installedByGhlUserId},
        ${status === 'installed' ? eventAt : null}::timestamptz, ${status === 'uninstalled' ? eventAt : null}::timestamptz, ${eventAt}::timestamptz,
        ${JSON.stringify(facts.raw)}::jsonb, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz)
      on conflict (app_id, install_type, ghl_target_id) do update set
        company_id = excluded.company_id,
        location_id = coalesce(excluded.location_id, ghl_installations.location_id),
        ghl_company_id = coalesce(excluded.ghl_company_id, ghl_installations.ghl_company_id),
        ghl_location_id = coalesce(excluded.ghl_location_id, ghl_installations.ghl_location_id),
        version_id = case when ${isNewer} then coalesce(excluded.version_id, ghl_installations.version_id) else coalesce(ghl_installations.version_id, excluded.version_id) end,
        plan_id = case when ${isNewer} then coalesce(excluded.plan_id, ghl_installations.plan_id) else coalesce(ghl_installations.plan_id, excluded.plan_id) end,
        installed_by_ghl_user_id = coalesce(ghl_installations.installed_by_ghl_user_id, excluded.installed_by_ghl_user_id),
        status = case when ${isNewer} then excluded.status else ghl_installations.status end,
        installed_at = case when ${isNewer} and excluded.status = 'installed' and ghl_installations.status <> 'installed' then excluded.installed_at
          else coalesce(ghl_installations.installed_at, excluded.installed_at) end,
        uninstalled_at = case when ${isNewer} then excluded.uninstalled_at else ghl_installations.uninstalled_at end,
        last_event_at = greatest(ghl_installations.last_event_at, excluded.last_event_at),
        raw = case when ${isNewer} then excluded.raw else ghl_installations.raw end,
        updated_at = excluded.updated_at
      where ${isNewer} or ${fillsGaps}
      returning id`,
  );
  return rows.length > 0;
}

/** Agency uninstall: every location installation of the app under that agency, unless a newer event already touched it. */
export async function uninstallAgencyLocations(tx: Executor, input: { appId: string; ghlCompanyId: string; eventAt: Date; raw: Record<string, unknown>; now: Date }): Promise<string[]> {
  const rows = await queryRows<{ ghl_location_id: string }>(
    tx,
    sql`update ghl_installations set status = 'uninstalled', uninstalled_at = ${input.eventAt.toISOString()}::timestamptz,
        last_event_at = ${input.eventAt.toISOString()}::timestamptz, raw = ${JSON.stringify(input.raw)}::jsonb, updated_at = ${input.now.toISOString()}::timestamptz
      where app_id = ${input.appId} and install_type = 'Location' and ghl_company_id = ${input.ghlCompanyId}
        and status <> 'uninstalled' and last_event_at <= ${input.eventAt.toISOString()}::timestamptz
      returning ghl_location_id`,
  );
  return rows.map((row) => row.ghl_location_id);
}

/** PLAN_CHANGE: moves plan_id unless a newer lifecycle event is already applied. Undefined when no installation exists. */
export async function changeInstallationPlan(
  tx: Executor,
  input: InstallationTarget & { planId: string; eventAt: Date; raw: Record<string, unknown>; now: Date },
): Promise<'changed' | 'unchanged' | 'missing'> {
  const rows = await queryRows<{ id: string; is_changed: boolean }>(
    tx,
    sql`with target as (
        select id, plan_id, last_event_at from ghl_installations
        where app_id = ${input.appId} and install_type = ${input.installType} and ghl_target_id = ${input.ghlTargetId}
        for update
      ), changed as (
        update ghl_installations set plan_id = ${input.planId}, last_event_at = ${input.eventAt.toISOString()}::timestamptz,
          raw = ${JSON.stringify(input.raw)}::jsonb, updated_at = ${input.now.toISOString()}::timestamptz
        from target
        where ghl_installations.id = target.id and target.last_event_at <= ${input.eventAt.toISOString()}::timestamptz
          and target.plan_id is distinct from ${input.planId}
        returning ghl_installations.id
      )
      select target.id, exists (select 1 from changed) as is_changed from target`,
  );
  const [row] = rows;
  if (!row) return 'missing';
  return row.is_changed ? 'changed' : 'unchanged';
}

export interface GhlLocationVersion {
  ghlLocationId: string;
  companyId: string;
  locationId: string;
  ghlCompanyId: string;
  name: string | null;
  email: string | null;
  timezone: string | null;
  sourceUpdatedAt: Date;
  sourceEventAt: Date | null;
  raw: Record<string, unknown>;
}

/** LocationCreate/LocationUpdate mirror; true when this version is newer than the stored one (so it may touch our locations row). */
export async function applyGhlLocationVersion(tx: Executor, version: GhlLocationVersion, now: Date): Promise<boolean> {
  return (await applyGhlLocationVersions(tx, [version], now)).size > 0;
}

/**
 * The LocationCreate/LocationUpdate mirror for many locations in one statement (the batch form), under
 * the same staleness and replay rules. The GHL location ids must be distinct
 * (one statement cannot touch a row twice). Answers the ids whose version was newer and was stored.
 */
export async function applyGhlLocationVersions(tx: Executor, versions: readonly GhlLocationVersion[], now: Date): Promise<Set<string>> {
  if (versions.length === 0) return new Set();
  const document = versions.map((version) => ({
    g: version.ghlLocationId,
    c: version.companyId,
    l: version.locationId,
    a: version.ghlCompanyId,
    n: version.name,
    e: version.email,
    t: version.timezone,
    u: version.sourceUpdatedAt.toISOString(),
    v: version.sourceEventAt?.toISOString() ?? null,
    r: version.raw,
  }));
  const rows = await queryRows<{ ghl_location_id: string }>(
    tx,
    sql`insert into ghl_locations (ghl_location_id, company_id, location_id, ghl_company_id, name, email, timezone, source_updated_at, source_event_at, raw, created_at, updated_at)
      select g, c, l, a, n, e, t, u, v, r, ${now.toISOString()}::timestamptz, ${now.toISOString()}::timestamptz
      from jsonb_to_recordset(${JSON.stringify(document)}::jsonb) as input(g text, c text, l text, a text, n text, e text, t text, u timestamptz, v timestamptz, r jsonb)
      on conflict (ghl_location_id) do update set
        ghl_company_id = excluded.ghl_company_id,
        name = coalesce(excluded.name, ghl_locations.name),
        email = coalesce(excluded.email, ghl_locations.email),
        timezone = coalesce(excluded.timezone, ghl_locations.timezone),
        source_updated_at = excluded.source_updated_at,
        source_event_at = excluded.source_event_at,
        raw = excluded.raw,
        updated_at = excluded.updated_at
      where (excluded.source_updated_at, coalesce(excluded.source_event_at, '-infinity'::timestamptz))
          >= (ghl_locations.source_updated_at, coalesce(ghl_locations.source_event_at, '-infinity'::timestamptz))
        and excluded.raw is distinct from ghl_locations.raw
      returning ghl_location_id`,
  );
  return new Set(rows.map((row) => row.ghl_location_id));
}

/** The installation an OAuth callback stored (converges with the INSTALL webhook on one row per target). */
export async function upsertOAuthInstallation(
  tx: Executor,
  deps: { clock: Clock; generateId: IdGenerator },
  input: { companyId: string; locationId: string | null; appId: string; installType: InstallType; ghlCompanyId: string; ghlLocationId: string | null; ghlTargetId: string; token: { planId?: string | undefined; userId?: string | undefined } },
): Promise<void> {
  const now = deps.clock.now();
  const raw = { source: 'oauth', userType: input.installType, companyId: input.ghlCompanyId, locationId: input.ghlLocationId, planId: input.token.planId ?? null, userId: input.token.userId ?? null };
  await tx
    .insert(ghlInstallations)
    .values({
      id: deps.generateId('inst'),
      companyId: input.companyId,
      locationId: input.locationId,
      ghlCompanyId: input.ghlCompanyId,
      ghlLocationId: input.ghlLocationId,
      appId: input.appId,
      installType: input.installType,
      ghlTargetId: input.ghlTargetId,
      status: 'installed',
      planId: input.token.planId ?? null,
      installedByGhlUserId: input.token.userId ?? null,
      installedAt: now,
      lastEventAt: now,
      raw,
      createdAt: now,
      updatedAt: now,
    })
    .onConflictDoUpdate({
      target: [ghlInstallations.appId, ghlInstallations.installType, ghlInstallations.ghlTargetId],
      set: {
        status: 'installed',
        uninstalledAt: null,
        companyId: input.companyId,
        locationId: input.locationId,
        planId: sql`coalesce(${input.token.planId ?? null}, ${ghlInstallations.planId})`,
        installedAt: sql`coalesce(${ghlInstallations.installedAt}, ${now.toISOString()}::timestamptz)`,
        lastEventAt: sql`greatest(${ghlInstallations.lastEventAt}, ${now.toISOString()}::timestamptz)`,
        updatedAt: now,
      },
    });
}
