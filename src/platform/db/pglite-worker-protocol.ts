/*
 * Messages between the main thread and the worker thread that owns a PGlite instance. Everything
 * crosses by structured clone: rows keep bigint, Uint8Array (bytea), parsed jsonb and strings;
 * parser functions cannot cross, so a request names the type oids to return as raw text instead.
 */

import type { PreparedSql } from './database.js';

export type PgliteWorkerSource = { kind: 'data-dir'; dataDir: string } | { kind: 'memory'; loadDataDir: Uint8Array | undefined };

export interface PgliteWorkerData {
  source: PgliteWorkerSource;
}

export type PgliteWorkerRequest =
  | { op: 'query'; id: number; txId: number | undefined; text: string; params: unknown[]; rowMode: 'array' | 'object' | undefined; rawTypes: number[] }
  | { op: 'prepared'; id: number; statement: PreparedSql; params: unknown[] }
  | { op: 'begin'; id: number }
  | { op: 'commit'; id: number; txId: number }
  | { op: 'rollback'; id: number; txId: number }
  | { op: 'dump'; id: number; compression: 'gzip' | 'none' }
  | { op: 'close'; id: number };

/** An error's own fields (PostgreSQL's `code`, `detail`, `constraint`… on a DatabaseError) with its class name. */
export interface SerializedError {
  className: string;
  name: string;
  message: string;
  stack: string | undefined;
  fields: Record<string, string | number | boolean | null>;
}

export type PgliteWorkerReply =
  | { kind: 'ready' }
  | { kind: 'failed-to-open'; error: SerializedError }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: SerializedError };

/**
 * Own enumerable fields of primitive type: functions (parsers in `queryOptions`) and objects are
 * dropped. `classNameOf` names the class to rebuild (PGlite's bundle minifies its class names).
 */
export function serializeError(error: unknown, classNameOf: (error: Error) => string = (known) => known.constructor.name): SerializedError {
  if (!(error instanceof Error)) return { className: 'Error', name: 'Error', message: String(error), stack: undefined, fields: {} };
  const fields: SerializedError['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { className: classNameOf(error), name: error.name, message: error.message, stack: error.stack, fields };
}
