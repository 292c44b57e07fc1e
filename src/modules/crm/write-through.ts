import type { ColumnSpec, ColumnType } from './entity-versions.repo.js';

/*
 * Write-through rules for records edited here (contacts, projects, appointments), free of SQL:
 * - A local edit records, per column, the new value, the value GHL had (`base`) and when it was made.
 * - A push marks what it sends (`sent`); GHL's confirmation clears the columns still holding that value.
 * - A version from GHL (webhook, setup sync, reconciliation) is merged per column:
 *   GHL already has our value (or the value a push sent)  → our own change coming back: keep ours;
 *   GHL's value is still `base`                          → only we changed it: keep ours;
 *   otherwise both sides changed it                       → the newer change wins (GHL's change time
 *                                                           against the time of our edit).
 *   Columns we did not edit take GHL's value as usual.
 */

export const LOCAL_DELETE_KEY = '_deleted';

export interface LocalChange {
  value: unknown;
  base: unknown;
  /** ISO time of the (latest) local edit of the column. */
  at: string;
  /** The value a push has sent and GHL has not confirmed yet. */
  sent?: unknown;
}

export type LocalChanges = Record<string, LocalChange>;

export function readLocalChanges(value: unknown): LocalChanges {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const changes: LocalChanges = {};
  for (const [column, change] of Object.entries(value as Record<string, unknown>)) {
    if (typeof change !== 'object' || change === null) continue;
    const { value: changed, base, at, sent } = change as Record<string, unknown>;
    changes[column] = { value: changed ?? null, base: base ?? null, at: typeof at === 'string' ? at : new Date(0).toISOString(), ...(sent !== undefined ? { sent } : {}) };
  }
  return changes;
}

/** Values as JSON can carry them (a local change is stored in jsonb). */
export function toStoredValue(type: ColumnType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (type === 'timestamptz') {
    const date = value instanceof Date ? value : new Date(String(value));
    return Number.isNaN(date.getTime()) ? null : date.toISOString();
  }
  if (type === 'date') return String(value instanceof Date ? value.toISOString() : value).slice(0, 10);
  if (type === 'bigint' || type === 'integer') return typeof value === 'string' ? Number(value) : value;
  return value;
}

/** Equality of two values of one column, whatever the driver returned (Date or text, key order in jsonb). */
export function isSameValue(type: ColumnType, left: unknown, right: unknown): boolean {
  return stableJson(toStoredValue(type, left)) === stableJson(toStoredValue(type, right));
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    return Object.fromEntries(Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  });
}

/**
 * Records an edit made here. `current` holds the row's present values; only columns whose value
 * changes are recorded. A column edited twice keeps its first `base` (what GHL has).
 */
export function recordLocalEdit(
  columns: Record<string, ColumnSpec>,
  changes: LocalChanges,
  current: Record<string, unknown>,
  edited: Record<string, unknown>,
  at: Date,
): { changes: LocalChanges; changedColumns: string[] } {
  const next: LocalChanges = { ...changes };
  const changedColumns: string[] = [];
  for (const [column, value] of Object.entries(edited)) {
    const spec = columns[column];
    if (!spec || value === undefined) continue;
    if (isSameValue(spec.type, current[column], value)) continue;
    changedColumns.push(column);
    const previous = next[column];
    const stored = toStoredValue(spec.type, value);
    if (previous && isSameValue(spec.type, previous.base, stored) && previous.sent === undefined) {
      // Edited back to what GHL has: nothing left to push for this column.
      delete next[column];
      continue;
    }
    next[column] = { value: stored, base: previous ? previous.base : toStoredValue(spec.type, current[column]), at: at.toISOString(), ...(previous?.sent !== undefined ? { sent: previous.sent } : {}) };
  }
  return { changes: next, changedColumns };
}

/** Marks the columns a push is about to send; returns them with their values. */
export function markSent(changes: LocalChanges): { changes: LocalChanges; sent: Record<string, unknown> } {
  const next: LocalChanges = {};
  const sent: Record<string, unknown> = {};
  for (const [column, change] of Object.entries(changes)) {
    next[column] = { ...change, sent: change.value };
    sent[column] = change.value;
  }
  return { changes: next, sent };
}

/**
 * GHL accepted a push of `sent`: columns still holding the sent value are done; a column edited
 * again meanwhile stays pending, now with the sent value as what GHL has.
 */
export function confirmSent(columns: Record<string, ColumnSpec>, changes: LocalChanges, sent: Record<string, unknown>): LocalChanges {
  const next: LocalChanges = {};
  for (const [column, change] of Object.entries(changes)) {
    if (!(column in sent)) {
      next[column] = change;
      continue;
    }
    const type = columns[column]?.type ?? 'jsonb';
    if (isSameValue(type, change.value, sent[column])) continue;
    const { sent: _sent, ...rest } = change;
    next[column] = { ...rest, base: sent[column] };
  }
  return next;
}

export interface MergeOutcome {
  /** The values to store: GHL's version with our pending columns laid over it. */
  values: Record<string, unknown>;
  changes: LocalChanges;
  /** Columns both sides changed, and who won. */
  conflicts: { column: string; winner: 'ghl' | 'local' }[];
  /** Columns where GHL's version differs from what we hold for a reason other than our own push. */
  foreignColumns: string[];
}

/** Merges one GHL version into a row with local edits, by the rules at the top of this file. */
export function mergeRemoteVersion(
  columns: Record<string, ColumnSpec>,
  stored: Record<string, unknown>,
  changes: LocalChanges,
  remote: { values: Record<string, unknown>; changedAt: Date },
): MergeOutcome {
  const values: Record<string, unknown> = { ...remote.values };
  const next: LocalChanges = {};
  const conflicts: MergeOutcome['conflicts'] = [];
  const foreignColumns: string[] = [];
  for (const [column, spec] of Object.entries(columns)) {
    const change = changes[column];
    const incoming = remote.values[column] === null && spec.merge === 'keep-when-null' ? stored[column] : remote.values[column];
    if (!change) {
      if (!isSameValue(spec.type, incoming, stored[column])) foreignColumns.push(column);
      continue;
    }
    values[column] = change.value;
    if (isSameValue(spec.type, incoming, change.value)) continue; // GHL has our value: nothing left to push
    if (change.sent !== undefined && isSameValue(spec.type, incoming, change.sent)) {
      next[column] = { ...change, base: change.sent }; // an earlier push of ours coming back
      continue;
    }
    if (isSameValue(spec.type, incoming, change.base)) {
      next[column] = change; // GHL did not touch the column
      continue;
    }
    foreignColumns.push(column);
    if (remote.changedAt.getTime() > new Date(change.at).getTime()) {
      values[column] = incoming;
      conflicts.push({ column, winner: 'ghl' });
    } else {
      next[column] = { ...change, base: toStoredValue(spec.type, incoming) };
      conflicts.push({ column, winner: 'local' });
    }
  }
  if (changes[LOCAL_DELETE_KEY]) next[LOCAL_DELETE_KEY] = changes[LOCAL_DELETE_KEY];
  return { values, changes: next, conflicts, foreignColumns };
}

export interface SyncStateView {
  state: 'synced' | 'pending' | 'failed';
  pendingFields: string[];
  error: string | null;
  lastPushedAt: string | null;
}

/** What a frontend shows of a record's write-through: column names in API spelling. */
export function toSyncStateView(row: { localChanges: unknown; pushError: string | null; lastPushedAt: Date | string | null }, fieldNames: Record<string, string>): SyncStateView {
  const pending = Object.keys(readLocalChanges(row.localChanges)).map((column) => (column === LOCAL_DELETE_KEY ? 'deleted' : (fieldNames[column] ?? column)));
  const lastPushedAt = row.lastPushedAt === null ? null : (row.lastPushedAt instanceof Date ? row.lastPushedAt : new Date(row.lastPushedAt)).toISOString();
  return { state: row.pushError ? 'failed' : pending.length > 0 ? 'pending' : 'synced', pendingFields: [...new Set(pending)].sort(), error: row.pushError, lastPushedAt };
}
