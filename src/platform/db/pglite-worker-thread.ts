import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, TransactionAbortedError, messages, type Transaction } from '@electric-sql/pglite';
import { PGLITE_EXTENSIONS } from './pglite-extensions.js';
import { createPglitePreparedRunner } from './pglite-prepared.js';
import { serializeError as serializeAnyError, type PgliteWorkerData, type PgliteWorkerReply, type PgliteWorkerRequest } from './pglite-worker-protocol.js';

/*
 * The worker thread that owns a PGlite instance (started by pglite-worker-client.ts). Queries run
 * here, so PGlite's synchronous WASM work never blocks the main thread's event loop. Transactions
 * keep PGlite's own one-session semantics: `begin` enters `PGlite.transaction()`, which holds the
 * session until the main thread sends `commit` or `rollback`; queries outside it wait meanwhile.
 */

interface OpenTransaction {
  tx: Transaction;
  decide: (decision: 'commit' | 'rollback') => void;
  settled: Promise<void>;
}

class RollbackRequested extends Error {}

const port = parentPort;
if (!port) throw new Error('pglite-worker-thread runs only as a worker thread');
const { source } = workerData as PgliteWorkerData;

const identity = (value: unknown) => value;
const rawParsersByKey = new Map<string, Record<number, (value: unknown) => unknown>>();
function rawParsers(types: number[]): Record<number, (value: unknown) => unknown> | undefined {
  if (types.length === 0) return undefined;
  const key = types.join(',');
  let parsers = rawParsersByKey.get(key);
  if (!parsers) {
    parsers = Object.fromEntries(types.map((type) => [type, identity]));
    rawParsersByKey.set(key, parsers);
  }
  return parsers;
}

const serializeError = (error: unknown) =>
  serializeAnyError(error, (known) => (known instanceof TransactionAbortedError ? 'TransactionAbortedError' : known instanceof messages.DatabaseError ? 'DatabaseError' : 'Error'));

const send = (reply: PgliteWorkerReply) => port.postMessage(reply);

let client: PGlite;
try {
  client =
    source.kind === 'data-dir'
      ? await PGlite.create(source.dataDir, { extensions: PGLITE_EXTENSIONS })
      : await PGlite.create({ extensions: PGLITE_EXTENSIONS, ...(source.loadDataDir ? { loadDataDir: new Blob([source.loadDataDir]) } : {}) });
} catch (error) {
  send({ kind: 'failed-to-open', error: serializeError(error) });
  process.exit(1);
}

const runPrepared = createPglitePreparedRunner(client);
const transactions = new Map<number, OpenTransaction>();
let nextTxId = 1;

async function begin(): Promise<number> {
  const txId = nextTxId;
  nextTxId += 1;
  let entered: () => void = () => undefined;
  const isEntered = new Promise<void>((resolve) => (entered = resolve));
  let decide: (decision: 'commit' | 'rollback') => void = () => undefined;
  const decision = new Promise<'commit' | 'rollback'>((resolve) => (decide = resolve));
  const settled = client.transaction(async (tx) => {
    transactions.set(txId, { tx, decide, settled });
    entered();
    if ((await decision) === 'rollback') throw new RollbackRequested();
  });
  // BEGIN itself may fail before the callback runs.
  await Promise.race([isEntered, settled]);
  return txId;
}

async function finish(txId: number, decision: 'commit' | 'rollback'): Promise<void> {
  const open = transactions.get(txId);
  if (!open) throw new Error(`transaction ${txId} is not open`);
  transactions.delete(txId);
  open.decide(decision);
  try {
    await open.settled;
  } catch (error) {
    if (!(error instanceof RollbackRequested)) throw error;
  }
}

async function handle(request: PgliteWorkerRequest): Promise<unknown> {
  switch (request.op) {
    case 'query': {
      const parsers = rawParsers(request.rawTypes);
      const options = { ...(request.rowMode ? { rowMode: request.rowMode } : {}), ...(parsers ? { parsers } : {}) };
      if (request.txId === undefined) return client.query(request.text, request.params, options);
      const open = transactions.get(request.txId);
      if (!open) throw new Error(`transaction ${request.txId} is not open`);
      return open.tx.query(request.text, request.params, options);
    }
    case 'prepared':
      return runPrepared(request.statement, request.params);
    case 'begin':
      return begin();
    case 'commit':
      return finish(request.txId, 'commit');
    case 'rollback':
      return finish(request.txId, 'rollback');
    case 'dump': {
      const blob = await client.dumpDataDir(request.compression);
      return new Uint8Array(await blob.arrayBuffer());
    }
    case 'close':
      await client.close();
      return undefined;
  }
}

port.on('message', (request: PgliteWorkerRequest) => {
  handle(request).then(
    (value) => {
      // Results carry `fields` and `rows`; anything PGlite adds that cannot be cloned (a blob) is left out.
      const plain = value && typeof value === 'object' && 'rows' in value ? { rows: value.rows, fields: (value as { fields?: unknown }).fields, affectedRows: (value as { affectedRows?: unknown }).affectedRows } : value;
      send({ kind: 'result', id: request.id, ok: true, value: plain });
      if (request.op === 'close') port.close();
    },
    (error: unknown) => send({ kind: 'result', id: request.id, ok: false, error: serializeError(error) }),
  );
});

send({ kind: 'ready' });
