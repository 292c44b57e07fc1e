import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { FaultInjector } from './fault-injector.js';
import type { WebhookSigningKeys } from './sandbox.types.js';

export interface WebhookKeys {
  ed25519PrivateKey: KeyObject;
  rsaPrivateKey: KeyObject;
  ed25519Pem: string;
  rsaPem: string;
}

const cachedRsaPrivateKeys = new Map<number, KeyObject>();

/**
 * Webhook signing keys are random, never derived from the (public) data seed: anyone who can derive
 * a dev instance's trusted key can forge "GHL" webhooks into it. Given `signingKeys` (kept per data
 * dir by `npm start`), those are used. Without them Ed25519 is fresh per sandbox and RSA, slower to
 * generate, one pair per size per process.
 * The sandbox's RSA key is its own (the app is configured with its public key), so its size is a
 * speed choice: RSA-2048 signing tops out near 2,800 signatures/s per core, which alone would keep the
 * sandbox under 3,000 deliveries/s; 1024 bits (~11,000/s) is the default. The wire format is the same.
 */
export function createWebhookKeys(rsaModulusBits = 1024, signingKeys?: WebhookSigningKeys): WebhookKeys {
  const ed25519PrivateKey = signingKeys ? createPrivateKey(signingKeys.ed25519PrivateKeyPem) : generateKeyPairSync('ed25519').privateKey;
  let rsaPrivateKey = signingKeys ? createPrivateKey(signingKeys.rsaPrivateKeyPem) : cachedRsaPrivateKeys.get(rsaModulusBits);
  if (!rsaPrivateKey) {
    rsaPrivateKey = generateKeyPairSync('rsa', { modulusLength: rsaModulusBits }).privateKey;
    cachedRsaPrivateKeys.set(rsaModulusBits, rsaPrivateKey);
  }
  if (ed25519PrivateKey.asymmetricKeyType !== 'ed25519' || rsaPrivateKey.asymmetricKeyType !== 'rsa') throw new Error('sandbox webhook signing keys must be an Ed25519 and an RSA private key');
  return {
    ed25519PrivateKey,
    rsaPrivateKey,
    ed25519Pem: createPublicKey(ed25519PrivateKey).export({ type: 'spki', format: 'pem' }).toString(),
    rsaPem: createPublicKey(rsaPrivateKey).export({ type: 'spki', format: 'pem' }).toString(),
  };
}

export interface WebhookDispatcherOptions {
  keys: WebhookKeys;
  faults: FaultInjector;
  retryIntervalMs: number;
  concurrency: number;
  sendLegacyRsaSignature: boolean;
  retryKeepsWebhookId: boolean;
  requestTimeoutMs?: number;
  /** The sandbox's clock (ms since epoch) for envelope timestamps and the delivery log. */
  now?: () => number;
}

export interface DeliveryLogEntry {
  webhookId: string;
  type: string;
  locationId: string | undefined;
  attempt: number;
  outcome: 'delivered' | 'failed' | 'retrying' | 'dropped';
  status: number;
  atMs: number;
}

interface DeliveryJob {
  url: string;
  payload: Record<string, unknown>;
  body: Buffer;
  ed25519Signature: string;
  rsaSignature: string | undefined;
  webhookId: string;
  locationId: string | undefined;
  attempt: number;
}

/** GHL retries only on 429, up to 6 times (ghl-api.md §5.4). */
export const MAX_WEBHOOK_RETRIES = 6;
const LOG_SIZE = 1000;

/**
 * Signs and delivers webhooks with bounded concurrency over keep-alive sockets. Signatures cover the
 * exact body bytes that are sent (ghl-api.md §5.3: no canonical string, body only).
 */
export class WebhookDispatcher {
  private url: string | undefined;
  private readonly queue: DeliveryJob[] = [];
  private queueHead = 0;
  private inFlight = 0;
  private pendingTimers = new Set<NodeJS.Timeout>();
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private readonly log: DeliveryLogEntry[] = [];
  private idleWaiters: (() => void)[] = [];
  private isClosed = false;
  private pendingSignatures = 0;
  private nextPublishSequence = 0;
  private nextFlushSequence = 0;
  private readonly signedInOrder = new Map<number, () => void>();
  delivered = 0;
  failed = 0;
  dropped = 0;
  retried = 0;

  private readonly now: () => number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.now = options.now ?? Date.now;
    this.httpAgent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
    this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: options.concurrency });
  }

  setUrl(url: string | undefined): void {
    this.url = url && url.length > 0 ? url : undefined;
  }

  getUrl(): string | undefined {
    return this.url;
  }

  /** Adds the envelope (appId, versionId, timestamp, webhookId), signs, and queues one event. */
  publish(payload: Record<string, unknown>, locationId: string | undefined): void {
    const url = this.url;
    if (!url || this.isClosed) return;
    const { fault, reorderDelayMs } = this.options.faults.pickWebhookFault(locationId);
    const job = this.createJob(url, payload, locationId, 0);
    if (fault === 'drop') {
      this.dropped++;
      this.record(job, 'dropped', 0);
      return;
    }
    // Signatures finish on the thread pool in any order; a sequence keeps publish order intact.
    const sequence = this.nextPublishSequence++;
    this.signLegacy(job, () => {
      this.signedInOrder.set(sequence, () => {
        if (fault === 'reorder') {
          this.schedule(() => this.enqueue(job), reorderDelayMs);
          return;
        }
        this.enqueue(job);
        if (fault === 'duplicate') this.enqueue({ ...job });
      });
      this.flushSigned();
    });
  }

  private flushSigned(): void {
    for (let release = this.signedInOrder.get(this.nextFlushSequence); release; release = this.signedInOrder.get(this.nextFlushSequence)) {
      this.signedInOrder.delete(this.nextFlushSequence);
      this.nextFlushSequence++;
      release();
    }
  }

  recentDeliveries(limit: number): DeliveryLogEntry[] {
    return this.log.slice(-limit);
  }

  /** Resolves once nothing is queued, in flight or waiting for a retry. */
  waitForIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  close(): void {
    this.isClosed = true;
    for (const timer of this.pendingTimers) clearTimeout(timer);
    this.pendingTimers.clear();
    this.queue.length = 0;
    this.queueHead = 0;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
    this.notifyIdle();
  }

  private createJob(url: string, payload: Record<string, unknown>, locationId: string | undefined, attempt: number): DeliveryJob {
    const webhookId = randomUUID();
    const body = Buffer.from(JSON.stringify({ ...payload, timestamp: new Date(this.now()).toISOString(), webhookId }));
    const ed25519Signature = sign(null, body, this.options.keys.ed25519PrivateKey).toString('base64');
    return { url, payload, body, ed25519Signature, rsaSignature: undefined, webhookId, locationId, attempt };
  }

  /**
   * RSA-2048 signing costs ~0.3 ms of CPU; the callback form runs it on libuv's thread pool so the
   * event loop keeps serving the API while webhooks are signed.
   */
  private signLegacy(job: DeliveryJob, then: () => void): void {
    if (!this.options.sendLegacyRsaSignature) {
      then();
      return;
    }
    this.pendingSignatures++;
    sign('sha256', job.body, this.options.keys.rsaPrivateKey, (error, signature) => {
      this.pendingSignatures--;
      if (!error) job.rsaSignature = signature.toString('base64');
      then();
      if (this.isIdle()) this.notifyIdle();
    });
  }

  private enqueue(job: DeliveryJob): void {
    if (this.isClosed) return;
    this.queue.push(job);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.concurrency && this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead];
      this.queue[this.queueHead] = undefined as unknown as DeliveryJob;
      this.queueHead++;
      if (!job) continue;
      this.inFlight++;
      this.send(job);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue.splice(0, this.queueHead);
      this.queueHead = 0;
    }
    if (this.isIdle()) this.notifyIdle();
  }

  private send(job: DeliveryJob): void {
    const target = new URL(job.url);
    const isHttps = target.protocol === 'https:';
    const headers: Record<string, string | number> = {
      'content-type': 'application/json',
      'content-length': job.body.length,
      'x-ghl-signature': job.ed25519Signature,
      'user-agent': 'Switchboard-GHL-Sandbox',
    };
    if (job.rsaSignature) headers['x-wh-signature'] = job.rsaSignature;
    const request = (isHttps ? https : http).request(
      {
        method: 'POST',
        hostname: target.hostname,
        port: target.port,
        path: `${target.pathname}${target.search}`,
        headers,
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        timeout: this.options.requestTimeoutMs ?? 10_000,
      },
      (response) => {
        response.resume();
        response.on('end', () => this.finish(job, response.statusCode ?? 0));
        response.on('error', () => this.finish(job, 0));
      },
    );
    // No retry on timeouts or connection errors: GHL only retries 429 (ghl-api.md §5.4).
    request.on('timeout', () => request.destroy(new Error('webhook delivery timed out')));
    request.on('error', () => this.finish(job, 0));
    request.end(job.body);
  }

  private finish(job: DeliveryJob, status: number): void {
    this.inFlight--;
    if (status >= 200 && status < 300) {
      this.delivered++;
      this.record(job, 'delivered', status);
    } else if (status === 429 && job.attempt < MAX_WEBHOOK_RETRIES && !this.isClosed) {
      this.retried++;
      this.record(job, 'retrying', status);
      this.schedule(() => {
        if (this.options.retryKeepsWebhookId) this.enqueue({ ...job, attempt: job.attempt + 1 });
        else {
          const next = this.createJob(job.url, job.payload, job.locationId, job.attempt + 1);
          this.signLegacy(next, () => this.enqueue(next));
        }
      }, this.options.retryIntervalMs);
    } else {
      this.failed++;
      this.record(job, 'failed', status);
    }
    this.pump();
  }

  private schedule(action: () => void, delayMs: number): void {
    const timer = setTimeout(() => {
      this.pendingTimers.delete(timer);
      action();
      if (this.isIdle()) this.notifyIdle();
    }, delayMs);
    this.pendingTimers.add(timer);
  }

  private record(job: DeliveryJob, outcome: DeliveryLogEntry['outcome'], status: number): void {
    this.log.push({
      webhookId: job.webhookId,
      type: typeof job.payload['type'] === 'string' ? job.payload['type'] : 'unknown',
      locationId: job.locationId,
      attempt: job.attempt,
      outcome,
      status,
      atMs: this.now(),
    });
    if (this.log.length > LOG_SIZE * 2) this.log.splice(0, this.log.length - LOG_SIZE);
  }

  private isIdle(): boolean {
    return this.inFlight === 0 && this.queueHead >= this.queue.length && this.pendingTimers.size === 0 && this.pendingSignatures === 0;
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
