import { sql } from 'drizzle-orm';
import type { Executor } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { applyEntityVersions, type EntityTable } from '../entity-versions.repo.js';

export interface MirrorScope {
  companyId: string;
  locationId: string;
  /** The run's snapshot time. */
  listedAt: Date;
}

/** Upserts the listed entities; `ghlIds` absent from a complete listing are tombstoned when `isComplete`. */
export async function applyMirror<C extends string>(
  tx: Executor,
  table: EntityTable<C>,
  scope: MirrorScope,
  items: readonly { ghlId: string; values: Record<C, unknown>; raw: Record<string, unknown> }[],
  options: { generateId: IdGenerator; now: Date; isComplete: boolean },
): Promise<void> {
  await applyEntityVersions(
    tx,
    table,
    items.map((item) => ({ companyId: scope.companyId, locationId: scope.locationId, ghlId: item.ghlId, values: item.values, sourceUpdatedAt: scope.listedAt, sourceEventAt: null, raw: item.raw })),
    { mode: 'upsert', now: options.now, generateId: options.generateId },
  );
  if (options.isComplete) {
    await tx.execute(
      sql`update ${sql.identifier(table.name)} set deleted_at = ${options.now.toISOString()}::timestamptz, updated_at = ${options.now.toISOString()}::timestamptz
        where location_id = ${scope.locationId} and deleted_at is null and not (ghl_id = any(${sql.param(items.map((item) => item.ghlId))}::text[]))`,
    );
  }
}
