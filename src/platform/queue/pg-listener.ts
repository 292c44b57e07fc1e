import pg from 'pg';

export interface PgListenerOptions {
  url: string;
  channel: string;
  onNotify: (payload: string) => void;
  onError?: (error: unknown) => void;
  reconnectDelayMs?: number;
}

export interface PgListener {
  stop(): Promise<void>;
}

/**
 * LISTEN on a dedicated connection (a pooled one may be handed to someone else). Notifications are
 * only hints: a lost connection just means workers fall back to their idle timer until we reconnect.
 */
export function startPgListener(options: PgListenerOptions): PgListener {
  let client: pg.Client | undefined;
  let isStopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const reconnectDelayMs = options.reconnectDelayMs ?? 2000;
  if (!/^[a-z_][a-z0-9_]*$/.test(options.channel)) throw new Error(`invalid LISTEN channel ${options.channel}`);

  const connect = async () => {
    if (isStopped) return;
    const next = new pg.Client({ connectionString: options.url, application_name: 'switchboard-listener' });
    next.on('notification', (message) => options.onNotify(message.payload ?? ''));
    next.on('error', (error) => {
      options.onError?.(error);
      scheduleReconnect(next);
    });
    next.on('end', () => scheduleReconnect(next));
    try {
      await next.connect();
      await next.query(`listen ${options.channel}`);
      client = next;
      if (isStopped) await next.end();
    } catch (error) {
      options.onError?.(error);
      scheduleReconnect(next);
    }
  };

  const scheduleReconnect = (failed: pg.Client) => {
    if (isStopped || retryTimer || (client && client !== failed)) return;
    client = undefined;
    failed.end().catch(() => undefined);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void connect();
    }, reconnectDelayMs);
    retryTimer.unref();
  };

  void connect();
  return {
    async stop() {
      isStopped = true;
      clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
