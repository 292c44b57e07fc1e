import { AsyncLocalStorage } from 'node:async_hooks';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { sql } from 'drizzle-orm';

/** Drizzle handle shared by both drivers; modules write SQL against this type only. */
export type Db = PgDatabase<PgQueryResultHKT>;
export type Tx = PgTransaction<PgQueryResultHKT, Record<string, never>, ExtractTablesWithRelations<Record<string, never>>>;
/** Anything queries can run on: the root handle or an open transaction. */
export type Executor = Db | Tx;

export type DatabaseEngine = 'pglite' | 'postgres';

/** Who a transaction acts for. Row-Level Security policies read these settings. */
export interface TenantScope {
  companyId: string;
  /** '*' = every location of the company. */
  locationIds: '*' | readonly string[];
  isPlatformAdmin?: boolean;
}

export const APP_ROLE = 'switchboard_app';

/**
 * A statement for the hottest SQL (the webhook inbox insert): on PostgreSQL a named statement the
 * server parses and plans once per connection and afterwards only binds; on PGlite the text as it
 * is. Either way no drizzle query is built per call. The text is fixed (parameters `$1`, `$2`…); one
 * name, one text.
 */
export interface PreparedSql {
  readonly name: string;
  readonly text: string;
  /**
   * Written as index and TID lookups (a queue claim): on PGlite its plan is made with sequential scans
   * off and kept (pglite-prepared.ts), because PGlite has no statistics to re-plan it by as tables grow.
   */
  readonly isPlannedForLookups?: boolean;
}

export interface Database {
  readonly engine: DatabaseEngine;
  /** Root handle. It bypasses RLS: use only in system code (workers, auth lookups, migrations). */
  readonly db: Db;
  /** A transaction with no tenant restrictions (system work). */
  system<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** A transaction under the non-superuser app role with the tenant set transaction-locally. */
  tenant<T>(scope: TenantScope, work: (tx: Tx) => Promise<T>): Promise<T>;
  ping(timeoutMs?: number): Promise<void>;
  /** Runs a prepared statement outside any transaction (autocommit) and answers its rows. */
  runPrepared<T extends Record<string, unknown>>(statement: PreparedSql, params: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** How a driver runs a PreparedSql (see open-database.ts). */
export type PreparedRunner = (statement: PreparedSql, params: readonly unknown[]) => Promise<Record<string, unknown>[]>;

/**
 * Marks the async context of every transaction's work, so code far from the database (the HTTP
 * client) can tell whether it runs inside one. The flag is cleared when the work ends: a task started
 * inside a transaction but still running after it must not count as inside.
 */
const transactionContext = new AsyncLocalStorage<{ isOpen: boolean }>();

/*
 * Node 20's AsyncLocalStorage installs a promise hook for the whole process on its first run(), and
 * from then on every promise pays for it (about a tenth of the ingest path's CPU in a profile). The
 * only reader is the HTTP client's transaction guard, so tracking is on only where that guard is
 * (tests; HTTP_CLIENT_TRANSACTION_GUARD=on) and off by default in `npm start`.
 */
let isTrackingTransactions = true;

/** Whether `isTransactionOpen` can answer (src/main sets it from HTTP_CLIENT_TRANSACTION_GUARD before opening a database). */
export function setTransactionTracking(isOn: boolean): void {
  isTrackingTransactions = isOn;
}

async function runInTransactionContext<T>(work: () => Promise<T>): Promise<T> {
  if (!isTrackingTransactions) return work();
  const state = { isOpen: true };
  try {
    return await transactionContext.run(state, work);
  } finally {
    state.isOpen = false;
  }
}

/** True while the caller runs inside the work of `database.system` or `database.tenant`. */
export function isTransactionOpen(): boolean {
  return transactionContext.getStore()?.isOpen === true;
}

/** A guard for outbound calls (HttpClientOptions.guard): refuses them while a transaction is open. */
export function refuseInsideTransaction(): string | undefined {
  return isTransactionOpen() ? 'a database transaction is open; make outbound calls outside it' : undefined;
}

export function createDatabase(engine: DatabaseEngine, db: Db, closeDriver: () => Promise<void>, runPrepared: PreparedRunner): Database {
  let isClosed = false;
  return {
    engine,
    db,
    runPrepared: <T extends Record<string, unknown>>(statement: PreparedSql, params: readonly unknown[]) => runPrepared(statement, params) as Promise<T[]>,
    system: (work) => db.transaction((tx) => runInTransactionContext(() => work(tx as unknown as Tx))),
    tenant: (scope, work) =>
      db.transaction((rawTx) =>
        runInTransactionContext(async () => {
          const tx = rawTx as unknown as Tx;
          await applyTenantScope(tx, scope);
          return work(tx);
        }),
      ),
    async ping(timeoutMs = 2000) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`database did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([db.execute(sql`select 1`), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      await closeDriver();
    },
  };
}

/** Transaction-local settings (PGlite is one session: a session-level SET would leak to everyone). */
export async function applyTenantScope(tx: Executor, scope: TenantScope): Promise<void> {
  const locationIds = scope.locationIds === '*' ? '*' : scope.locationIds.join(',');
  await tx.execute(sql`select
    set_config('role', ${APP_ROLE}, true),
    set_config('app.company_id', ${scope.companyId}, true),
    set_config('app.location_ids', ${locationIds}, true),
    set_config('app.platform_admin', ${scope.isPlatformAdmin ? 'on' : 'off'}, true)`);
}

export async function queryRows<T extends Record<string, unknown>>(
  executor: Executor,
  query: ReturnType<typeof sql>,
): Promise<T[]> {
  const result = await executor.execute(query);
  return (result as unknown as { rows: T[] }).rows;
}

/**
 * This transaction's commit returns before its WAL reaches disk (PostgreSQL `synchronous_commit`,
 * transaction-local). A server crash can lose the transaction whole, never half of it.
 */
export async function commitAsynchronously(tx: Executor): Promise<void> {
  await tx.execute(sql`select ${ASYNCHRONOUS_COMMIT_SETTING}`);
}

/** commitAsynchronously's setting as an expression, for a statement that makes it on the way (lockLeasedRows). */
export const ASYNCHRONOUS_COMMIT_SETTING = sql`set_config('synchronous_commit', 'off', true)`;
