import { Worker } from 'node:worker_threads';
import { TransactionAbortedError, messages } from '@electric-sql/pglite';
import type { PreparedSql } from './database.js';
import type { PgliteWorkerData, PgliteWorkerReply, PgliteWorkerRequest, PgliteWorkerSource, SerializedError } from './pglite-worker-protocol.js';

type QueryOptions = { rowMode?: 'array' | 'object'; parsers?: Record<number, unknown> } | undefined;

export interface PgliteQueryable {
  query(text: string, params?: unknown[], options?: QueryOptions): Promise<unknown>;
}

/**
 * What drizzle's PGlite session calls on its client (`query`, and `transaction` with a client of
 * its own), served by a worker thread that owns the PGlite instance.
 */
export interface PgliteWorkerClient extends PgliteQueryable {
  transaction<T>(work: (tx: PgliteQueryable) => Promise<T>): Promise<T>;
  /** A named statement (pglite-prepared.ts) run in the worker: one message each way, rows as rows. */
  runPrepared(statement: PreparedSql, params: readonly unknown[]): Promise<Record<string, unknown>[]>;
  dumpDataDir(compression?: 'gzip' | 'none'): Promise<Blob>;
  close(): Promise<void>;
}

type Request = PgliteWorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Rebuilds the error the worker caught, with its class where PGlite exports it, so `code` and friends read as in-process. */
function reviveError(serialized: SerializedError): Error {
  let error: Error;
  if (serialized.className === 'TransactionAbortedError') error = new TransactionAbortedError();
  else if (serialized.className === 'DatabaseError') error = new messages.DatabaseError(serialized.message, Number(serialized.fields.length ?? 0), 'error');
  else error = new Error(serialized.message);
  Object.assign(error, serialized.fields);
  error.name = serialized.name;
  error.message = serialized.message;
  error.stack = `${serialized.stack ?? `${serialized.name}: ${serialized.message}`}\n    at <PGlite worker thread>${new Error().stack?.replace(/^Error\n/, '\n') ?? ''}`;
  return error;
}

/**
 * The worker runs TypeScript through tsx (what `npm start` and the tests run on); a worker does not
 * inherit the parent's loader, so it registers tsx itself before importing the thread's module.
 */
function startWorker(workerData: PgliteWorkerData): Worker {
  const threadUrl = new URL('./pglite-worker-thread.ts', import.meta.url);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(threadUrl.href)}); })`;
  return new Worker(bootstrap, { eval: true, workerData });
}

export async function startPgliteWorker(source: PgliteWorkerSource): Promise<PgliteWorkerClient> {
  const worker = startWorker({ source });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  let failure: Error | undefined;
  let isClosed = false;

  // The worker keeps the process alive only while a request waits for it.
  const settleRef = () => (pending.size > 0 ? worker.ref() : worker.unref());

  const failAll = (error: Error) => {
    failure ??= error;
    for (const waiter of pending.values()) waiter.reject(error);
    pending.clear();
    settleRef();
  };

  await new Promise<void>((resolve, reject) => {
    const onStartMessage = (reply: PgliteWorkerReply) => {
      if (reply.kind === 'ready') {
        worker.off('message', onStartMessage);
        worker.off('error', reject);
        resolve();
      } else if (reply.kind === 'failed-to-open') {
        reject(reviveError(reply.error));
      }
    };
    worker.on('message', onStartMessage);
    worker.once('error', reject);
  });

  worker.on('message', (reply: PgliteWorkerReply) => {
    if (reply.kind !== 'result') return;
    const waiter = pending.get(reply.id);
    if (!waiter) return;
    pending.delete(reply.id);
    settleRef();
    if (reply.ok) waiter.resolve(reply.value);
    else waiter.reject(reviveError(reply.error));
  });
  worker.on('error', (error) => failAll(new Error(`the PGlite worker thread failed: ${error.message}`, { cause: error })));
  worker.on('exit', (code) => failAll(new Error(isClosed ? 'PGlite is closed' : `the PGlite worker thread exited (code ${code})`)));
  settleRef();

  const call = (request: Request): Promise<unknown> => {
    if (failure) return Promise.reject(failure);
    if (isClosed && request.op !== 'close') return Promise.reject(new Error('PGlite is closed'));
    const id = nextId;
    nextId += 1;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      if (pending.size === 1) settleRef();
      worker.postMessage({ ...request, id } as PgliteWorkerRequest);
    });
  };

  const queryOn =
    (txId: number | undefined) =>
    (text: string, params: unknown[] = [], options?: QueryOptions): Promise<unknown> =>
      call({
        op: 'query',
        txId,
        text,
        params,
        rowMode: options?.rowMode,
        // drizzle's parsers return these types' text unchanged (its TIMESTAMP, DATE, INTERVAL… rule).
        rawTypes: options?.parsers ? Object.keys(options.parsers).map(Number) : [],
      });

  return {
    query: queryOn(undefined),
    runPrepared: async (statement, params) => (await call({ op: 'prepared', statement: { ...statement }, params: [...params] })) as Record<string, unknown>[],
    async transaction(work) {
      const txId = (await call({ op: 'begin' })) as number;
      let result: Awaited<ReturnType<typeof work>>;
      try {
        result = await work({ query: queryOn(txId) });
      } catch (error) {
        await call({ op: 'rollback', txId }).catch(() => undefined);
        throw error;
      }
      await call({ op: 'commit', txId });
      return result;
    },
    async dumpDataDir(compression = 'gzip') {
      const bytes = (await call({ op: 'dump', compression })) as Uint8Array;
      return new Blob([bytes]);
    },
    async close() {
      if (isClosed) return;
      isClosed = true;
      try {
        if (!failure) await call({ op: 'close' });
      } finally {
        await worker.terminate();
      }
    },
  };
}
