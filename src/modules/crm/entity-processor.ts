import type { z } from 'zod';
import type { Clock } from '../../platform/clock/clock.js';
import type { Executor } from '../../platform/db/index.js';
import type { IdGenerator } from '../../platform/ids/ids.js';
import { findTenantByGhlLocationId, findTenantsByGhlLocationIds, type TenantRef } from '../tenants/index.js';
import type { BatchOutcome, ProcessOutcome, WebhookBatchProcessor, WebhookEvent, WebhookProcessor } from '../webhooks/index.js';
import { LocationNotInstalledError } from './location-not-installed-error.js';
import { applyEntityVersions, applyEntityVersionsReturningGhlIds, type EntityTable, type EntityVersion } from './entity-versions.repo.js';
import { describeIssues, resolveSourceVersion, type SourceVersion } from './ghl-payload.js';
import { findRowsWithLocalEdits, mergeIntoEditedRow } from './edited-rows.repo.js';

export interface CrmProcessorDeps {
  generateId: IdGenerator;
  clock: Clock;
}

export interface EntityMapping<P, C extends string> {
  table: EntityTable<C>;
  schema: z.ZodType<P>;
  ghlIdOf: (payload: P) => string | undefined;
  ghlLocationIdOf: (payload: P) => string | undefined;
  /** Candidates for the entity's own change time, best first. */
  changeTimesOf: (payload: P) => readonly unknown[];
  valuesOf: (payload: P, context: { eventType: string; version: SourceVersion }) => Record<C, unknown>;
}

/**
 * Our location for the event: the dispatcher's `ghlLocationId` (locationId, or altId for invoices),
 * else what the payload names. Unknown here → LocationNotInstalledError (retried).
 */
export async function resolveEventTenant(tx: Executor, event: WebhookEvent, payloadGhlLocationId: string | undefined): Promise<TenantRef | undefined> {
  const ghlLocationId = event.ghlLocationId ?? payloadGhlLocationId;
  if (!ghlLocationId) return undefined;
  const tenant = await findTenantByGhlLocationId(tx, ghlLocationId);
  if (!tenant) throw new LocationNotInstalledError(ghlLocationId);
  return tenant;
}

/**
 * resolveEventTenant for a batch: the locations the events name are looked up in one statement, any
 * other (a payload's own location id) once each. Unknown → LocationNotInstalledError, as for one event.
 */
export async function createBatchTenantResolver(tx: Executor, events: readonly WebhookEvent[]): Promise<(event: WebhookEvent, payloadGhlLocationId: string | undefined) => Promise<TenantRef | undefined>> {
  const known = await findTenantsByGhlLocationIds(tx, events.flatMap((event) => (event.ghlLocationId ? [event.ghlLocationId] : [])));
  const looked = new Set(events.flatMap((event) => (event.ghlLocationId ? [event.ghlLocationId] : [])));
  const others = new Map<string, Promise<TenantRef | undefined>>();
  return async (event, payloadGhlLocationId) => {
    const ghlLocationId = event.ghlLocationId ?? payloadGhlLocationId;
    if (!ghlLocationId) return undefined;
    const tenant = known.get(ghlLocationId);
    if (tenant) return tenant;
    if (looked.has(ghlLocationId)) throw new LocationNotInstalledError(ghlLocationId);
    const pending = others.get(ghlLocationId) ?? resolveEventTenant(tx, event, ghlLocationId);
    others.set(ghlLocationId, pending);
    return pending;
  };
}

type ReadVersion<C extends string> = { ok: true; version: EntityVersion<C> } | { ok: false; reason: string };

/**
 * One event's entity version: parsed, with its tenant and change time. What cannot be read is a
 * reason to skip (a payload that does not parse will not parse on a retry either); a location we do
 * not know throws LocationNotInstalledError from `tenantOf` (retried).
 */
async function readEntityVersion<P, C extends string>(
  mapping: EntityMapping<P, C>,
  event: WebhookEvent,
  tenantOf: (ghlLocationId: string) => Promise<TenantRef | undefined>,
): Promise<ReadVersion<C>> {
  const parsed = mapping.schema.safeParse(event.payload);
  if (!parsed.success) return { ok: false, reason: `malformed ${event.eventType} payload: ${describeIssues(parsed.error)}` };
  const payload = parsed.data;
  const ghlId = mapping.ghlIdOf(payload);
  if (!ghlId) return { ok: false, reason: `${event.eventType} payload has no entity id` };
  const ghlLocationId = event.ghlLocationId ?? mapping.ghlLocationIdOf(payload);
  const tenant = ghlLocationId ? await tenantOf(ghlLocationId) : undefined;
  if (!tenant) return { ok: false, reason: `${event.eventType} payload names no location` };
  const version = resolveSourceVersion(event, mapping.changeTimesOf(payload));
  return {
    ok: true,
    version: { companyId: tenant.companyId, locationId: tenant.locationId, ghlId, values: mapping.valuesOf(payload, { eventType: event.eventType, version }), ...version, raw: event.payload },
  };
}

/** A processor of one entity type, with its batch form for the dispatcher's batch transaction. */
export type EntityProcessor = WebhookProcessor & { processBatch: WebhookBatchProcessor };

/** Parses, resolves the tenant and applies one entity version (upsert or tombstone); batches apply in one statement. */
export function createEntityProcessor<P, C extends string>(mapping: EntityMapping<P, C>, mode: 'upsert' | 'delete', deps: CrmProcessorDeps): EntityProcessor {
  /** The outcome of a version that changed nothing: merged into a row with local edits, our own echo, or stale. */
  const settleUnchanged = async (tx: Executor, version: EntityVersion<C>, options: { now: Date; generateId: IdGenerator }): Promise<ProcessOutcome> => {
    if (mode === 'upsert' && mapping.table.writeThrough) {
      // Not applied: the row may hold edits made here (merge per column), or this is our own push coming back.
      const merged = await mergeIntoEditedRow(tx, mapping.table as EntityTable<string>, version, options);
      if (merged.status === 'applied') return { status: 'done' };
      if (merged.status === 'echo') return { status: 'skipped', reason: `${mapping.table.name} ${version.ghlId}: echo of our own change` };
    }
    return { status: 'skipped', reason: `${mapping.table.name} ${version.ghlId}: already applied, stale, or deleted` };
  };
  const processOne = async (tx: Executor, event: WebhookEvent): Promise<ProcessOutcome> => {
    const read = await readEntityVersion(mapping, event, (ghlLocationId) => resolveEventTenant(tx, event, ghlLocationId));
    if (!read.ok) return { status: 'skipped', reason: read.reason };
    const options = { mode, now: deps.clock.now(), generateId: deps.generateId };
    const changed = await applyEntityVersions(tx, mapping.table, [read.version], options);
    return changed > 0 ? { status: 'done' } : settleUnchanged(tx, read.version, options);
  };
  const processBatch: WebhookBatchProcessor = async (tx, events) => {
    const outcomes: BatchOutcome[] = [];
    const pending: { index: number; version: EntityVersion<C> }[] = [];
    const tenantOf = await createBatchTenantResolver(tx, events);
    for (const [index, event] of events.entries()) {
      try {
        const read = await readEntityVersion(mapping, event, (ghlLocationId) => tenantOf(event, ghlLocationId));
        if (read.ok) pending.push({ index, version: read.version });
        outcomes[index] = read.ok ? { status: 'done' } : { status: 'skipped', reason: read.reason };
      } catch (error) {
        // An unknown location: this event alone waits for a retry, untouched.
        if (!(error instanceof LocationNotInstalledError)) throw error;
        outcomes[index] = { status: 'failed', error };
      }
    }
    const options = { mode, now: deps.clock.now(), generateId: deps.generateId };
    const changed = new Set(await applyEntityVersionsReturningGhlIds(tx, mapping.table, pending.map((item) => item.version), options));
    for (const { index, version } of pending) {
      if (!changed.has(version.ghlId)) outcomes[index] = await settleUnchanged(tx, version, options);
    }
    return outcomes;
  };
  return Object.assign(processOne, { processBatch });
}

/**
 * Applies many versions of one entity type (a page of a REST listing, reshaped as webhook payloads)
 * in one statement, under the same rules as one event each: stale and replayed versions change
 * nothing, rows with local edits are merged per column. Answers the GHL ids of the rows it changed.
 */
export function createEntityBatchApplier<P, C extends string>(mapping: EntityMapping<P, C>, deps: CrmProcessorDeps) {
  return async (tx: Executor, events: readonly WebhookEvent[]): Promise<string[]> => {
    // A page is one location: its tenant is looked up once.
    const tenants = new Map<string, Promise<TenantRef | undefined>>();
    const versions: EntityVersion<C>[] = [];
    for (const event of events) {
      const read = await readEntityVersion(mapping, event, (ghlLocationId) => {
        const known = tenants.get(ghlLocationId) ?? resolveEventTenant(tx, event, ghlLocationId);
        tenants.set(ghlLocationId, known);
        return known;
      });
      if (read.ok) versions.push(read.version);
    }
    if (versions.length === 0) return [];
    const options = { mode: 'upsert' as const, now: deps.clock.now(), generateId: deps.generateId };
    const changed = new Set(await applyEntityVersionsReturningGhlIds(tx, mapping.table, versions, options));
    if (mapping.table.writeThrough) {
      const unapplied = versions.filter((version) => !changed.has(version.ghlId));
      const edited = await findRowsWithLocalEdits(tx, mapping.table as EntityTable<string>, unapplied.map((version) => version.ghlId));
      const editedKeys = new Set(edited.map((row) => `${row.locationId}\u0000${row.ghlId}`));
      for (const version of unapplied) {
        if (!editedKeys.has(`${version.locationId ?? ''}\u0000${version.ghlId}`)) continue;
        const merged = await mergeIntoEditedRow(tx, mapping.table as EntityTable<string>, version, options);
        if (merged.status === 'applied') changed.add(version.ghlId);
      }
    }
    return [...changed];
  };
}
