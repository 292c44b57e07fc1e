import type { IncomingMessage, ServerResponse } from 'node:http';

/** True when the client asked for Server-Sent Events (what EventSource sends). */
export function wantsEventStream(request: { headers: { accept?: string | undefined } }): boolean {
  return (request.headers.accept ?? '').includes('text/event-stream');
}

export interface SnapshotStreamOptions<T> {
  /** The SSE event name of each snapshot. */
  event: string;
  /** Reads the current snapshot; undefined ends the stream (e.g. the resource is gone). */
  read: () => Promise<T | undefined>;
  /** The first snapshot when the route already read it (to answer 404 before streaming). */
  initial?: T;
  /** How often the snapshot is read again; it is sent only when it changed. */
  intervalMs: number;
  /** The stream ends after this long; EventSource reconnects (browsers fetch a new ticket first). */
  maxSeconds: number;
  /** Fields left out when deciding whether a snapshot changed (e.g. `checkedAt`). */
  ignoreKeys?: readonly string[];
  onError?: (error: unknown) => void;
}

interface HijackableReply {
  hijack(): void;
  raw: ServerResponse;
}

/**
 * Streams snapshots of one resource as Server-Sent Events: the first at once, then each one that
 * differs from the last sent, with a keep-alive comment every 15 s so proxies keep the connection.
 * A failed read is reported and retried at the next interval; the client sees no error.
 */
export async function streamSnapshots<T>(request: { raw: IncomingMessage }, reply: HijackableReply, options: SnapshotStreamOptions<T>): Promise<void> {
  const first = options.initial ?? (await options.read());
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  const fingerprint = (value: T) =>
    JSON.stringify(value, (key, field: unknown) => (options.ignoreKeys?.includes(key) ? undefined : field));
  let sequence = 0;
  let isClosed = false;
  let lastFingerprint = '';
  let lastWriteAt = Date.now();
  const send = (value: T) => {
    sequence += 1;
    lastFingerprint = fingerprint(value);
    lastWriteAt = Date.now();
    raw.write(`id: ${sequence}\nevent: ${options.event}\ndata: ${JSON.stringify(value)}\n\n`);
  };
  await new Promise<void>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const close = () => {
      if (isClosed) return;
      isClosed = true;
      clearTimeout(timer);
      clearTimeout(deadline);
      raw.end();
      resolve();
    };
    const deadline = setTimeout(close, options.maxSeconds * 1000);
    request.raw.on('close', close);
    if (first === undefined) {
      close();
      return;
    }
    send(first);
    const tick = async () => {
      if (isClosed) return;
      try {
        const next = await options.read();
        if (isClosed) return;
        if (next === undefined) return close();
        if (fingerprint(next) !== lastFingerprint) send(next);
        else if (Date.now() - lastWriteAt >= 15_000) {
          lastWriteAt = Date.now();
          raw.write(': keep-alive\n\n');
        }
      } catch (error) {
        options.onError?.(error);
      }
      if (!isClosed) timer = setTimeout(() => void tick(), options.intervalMs);
    };
    timer = setTimeout(() => void tick(), options.intervalMs);
  });
}
