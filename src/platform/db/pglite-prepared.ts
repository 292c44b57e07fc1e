import { parse, protocol, type PGlite } from '@electric-sql/pglite';
import type { PreparedSql } from './database.js';

/** One protocol buffer out of several messages (PGlite's execProtocol takes one). */
function concatMessages(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

const NO_FS_SYNC = { syncToFs: false };

/**
 * Session settings around a statement marked `isPlannedForLookups`: its one generic plan is made with
 * sequential scans off, the first time it runs, and kept. PGlite never gathers statistics and its
 * tables start empty, so a plan made at startup would otherwise keep, at any size, the sequential
 * scans it chose for empty tables (PostgreSQL re-plans when ANALYZE updates a table's statistics).
 */
const PLAN_FOR_LOOKUPS = 'set enable_seqscan = off; set plan_cache_mode = force_generic_plan';
const PLAN_AS_USUAL = 'reset enable_seqscan; reset plan_cache_mode';

/**
 * Named statements on PGlite's one session. `PGlite.query` parses, describes and plans its text on
 * every call, in six protocol round trips into the WASM backend (a `select 1` costs ~0.3 ms of CPU on
 * the dev machine, the inbox insert's parse and plan ~0.8 ms). Here a statement is parsed once per
 * instance; each call then sends Bind + Describe + Execute in one buffer and Sync in a second, exactly
 * as `PGlite.query` ends: under both of PGlite's locks (so it never runs inside another caller's open
 * transaction), parameters through PGlite's own serializers for the described parameter types, rows
 * through its own parsers, and the file system synced after an autocommit statement.
 */
export function createPglitePreparedRunner(client: PGlite): (statement: PreparedSql, params: readonly unknown[]) => Promise<Record<string, unknown>[]> {
  const prepared = new Map<string, { text: string; paramTypes: number[] }>();

  async function prepare(statement: PreparedSql): Promise<number[]> {
    const known = prepared.get(statement.name);
    if (known) {
      if (known.text !== statement.text) throw new Error(`prepared statement ${statement.name} was prepared with another text`);
      return known.paramTypes;
    }
    let paramTypes: number[];
    try {
      await client.execProtocolStream(protocol.serialize.parse({ name: statement.name, text: statement.text, types: [] }), NO_FS_SYNC);
      paramTypes = parse.parseDescribeStatementResults(await client.execProtocolStream(protocol.serialize.describe({ type: 'S', name: statement.name }), NO_FS_SYNC));
    } finally {
      await client.execProtocolStream(protocol.serialize.sync(), NO_FS_SYNC);
    }
    prepared.set(statement.name, { text: statement.text, paramTypes });
    return paramTypes;
  }

  return (statement, params) =>
    client._runExclusiveTransaction(() =>
      client.runExclusive(async () => {
        const paramTypes = await prepare(statement);
        const values = params.map((value, index) => {
          if (value === null || value === undefined) return null;
          const serializer = client.serializers[paramTypes[index] ?? 0];
          return serializer ? serializer(value) : String(value);
        });
        let messages: Awaited<ReturnType<PGlite['execProtocolStream']>> = [];
        if (statement.isPlannedForLookups) await client.execProtocolStream(protocol.serialize.query(PLAN_FOR_LOOKUPS), NO_FS_SYNC);
        try {
          messages = await client.execProtocolStream(
            concatMessages([protocol.serialize.bind({ statement: statement.name, values }), protocol.serialize.describe({ type: 'P' }), protocol.serialize.execute({})]),
            NO_FS_SYNC,
          );
        } finally {
          messages = [...messages, ...(await client.execProtocolStream(protocol.serialize.sync(), NO_FS_SYNC))];
          if (statement.isPlannedForLookups) await client.execProtocolStream(protocol.serialize.query(PLAN_AS_USUAL), NO_FS_SYNC);
        }
        if (!client.isInTransaction()) await client.syncToFs();
        return (parse.parseResults(messages, client.parsers)[0]?.rows ?? []) as Record<string, unknown>[];
      }),
    );
}
