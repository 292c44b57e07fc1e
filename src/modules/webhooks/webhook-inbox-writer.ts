import type { Database } from '../../platform/db/index.js';
import { GroupCommitter } from '../../platform/queue/index.js';
import type { InboxWriteOutcome } from './ingest-webhook.js';
import { insertInboxRows, type NewInboxRow } from './webhook-inbox.repo.js';

/** PostgreSQL error classes caused by one row's data (22 data exception, 23 integrity, 54 limits), not by the database being down. */
function isRowDataError(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^(22|23|54)/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function describeDataError(error: unknown): string {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && current instanceof Error) return current.message.slice(0, 200);
    current = (current as { cause?: unknown }).cause;
  }
  return 'invalid data';
}

const keyOf = (row: NewInboxRow) => `${row.provider}\u0000${row.deliveryId}`;

async function writeBatch(database: Database, rows: readonly NewInboxRow[]): Promise<InboxWriteOutcome[]> {
  // Same delivery twice in one batch: the first is inserted, the rest are duplicates of it.
  const firstIndex = new Map<string, number>();
  const unique: NewInboxRow[] = [];
  rows.forEach((row, index) => {
    if (!firstIndex.has(keyOf(row))) {
      firstIndex.set(keyOf(row), index);
      unique.push(row);
    }
  });
  const inserted = await insertInboxRows(database, unique);
  const idByKey = new Map(inserted.map((row) => [`${row.provider}\u0000${row.deliveryId}`, row.id]));
  return rows.map((row, index) => {
    const id = idByKey.get(keyOf(row));
    return id !== undefined && firstIndex.get(keyOf(row)) === index ? { kind: 'stored', id } : { kind: 'duplicate' };
  });
}

/**
 * Flushes a batch in one statement. If a row's data breaks the statement (e.g. a \u0000 escape
 * jsonb refuses), the batch is retried row by row so only that row is refused.
 */
export async function flushInboxBatch(database: Database, rows: readonly NewInboxRow[]): Promise<InboxWriteOutcome[]> {
  try {
    return await writeBatch(database, rows);
  } catch (error) {
    if (!isRowDataError(error)) throw error;
    if (rows.length === 1) return [{ kind: 'unstorable', reason: describeDataError(error) }];
    const outcomes: InboxWriteOutcome[] = [];
    for (const row of rows) {
      try {
        const [outcome] = await writeBatch(database, [row]);
        outcomes.push(outcome ?? { kind: 'unstorable', reason: 'no outcome' });
      } catch (rowError) {
        if (!isRowDataError(rowError)) throw rowError;
        outcomes.push({ kind: 'unstorable', reason: describeDataError(rowError) });
      }
    }
    return outcomes;
  }
}

export function createInboxCommitter(database: Database, options: { maxBatch: number; maxConcurrentFlushes: number; maxQueued: number }) {
  return new GroupCommitter<NewInboxRow, InboxWriteOutcome>({ ...options, flush: (rows) => flushInboxBatch(database, rows) });
}
