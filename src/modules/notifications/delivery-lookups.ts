import type { Database } from '../../platform/db/index.js';
import { GroupCommitter } from '../../platform/queue/index.js';
import {
  findDeliveries,
  findPreferencesOf,
  findSettingsOf,
  findTemplatesOf,
  recordDeliveriesSent,
  type DeliveryRow,
  type DeliverySent,
  type PreferenceRow,
  type SettingsRow,
  type TemplateKey,
  type TemplateRow,
} from './notifications.repo.js';

/** Up to this many keys (or writes) per statement. */
const MAX_BATCH = 200;

/**
 * A lookup by key whose concurrent callers share one query: keys asked for in the same turn of the
 * event loop (or while the previous queries run) are read together. Nothing is cached: every call
 * reads the database after it was made.
 */
function sharedLookup<Key, Row>(load: (keys: readonly Key[]) => Promise<Row[]>, keyOf: (key: Key) => string, rowKeyOf: (row: Row) => string): (key: Key) => Promise<Row | undefined> {
  const committer = new GroupCommitter<Key, Row | null>({
    flush: async (keys) => {
      const unique = [...new Map(keys.map((key) => [keyOf(key), key])).values()];
      const rows = new Map((await load(unique)).map((row) => [rowKeyOf(row), row]));
      return keys.map((key) => rows.get(keyOf(key)) ?? null);
    },
    maxBatch: MAX_BATCH,
    maxConcurrentFlushes: 2,
    // Bounded by the running jobs (one lookup of each kind per job at a time).
    maxQueued: Number.MAX_SAFE_INTEGER,
  });
  return async (key) => (await committer.submit(key)) ?? undefined;
}

export interface DeliveryLookups {
  delivery(id: string): Promise<DeliveryRow | undefined>;
  settings(companyId: string): Promise<SettingsRow | undefined>;
  template(key: TemplateKey): Promise<TemplateRow | undefined>;
  /** The stored preferences among these recipient keys of a company. */
  preferences(companyId: string, recipientKeys: readonly string[]): Promise<PreferenceRow[]>;
  /** Marks a delivery sent with its usage row; sends that ended together are written in one statement. Resolves once committed. */
  recordSent(input: DeliverySent): Promise<void>;
}

/**
 * The reads and the sent write of the send jobs, shared between jobs running at once: a batch of
 * claimed jobs reads its deliveries, settings, templates and preferences in one query each, and
 * sends that end together are recorded in one statement (instead of one round trip per job each).
 */
export function createDeliveryLookups(database: Database): DeliveryLookups {
  const db = database.db;
  const delivery = sharedLookup<string, DeliveryRow>((ids) => findDeliveries(db, ids), (id) => id, (row) => row.id);
  const settings = sharedLookup<string, SettingsRow>((ids) => findSettingsOf(db, ids), (id) => id, (row) => row.companyId);
  const template = sharedLookup<TemplateKey, TemplateRow>(
    (keys) => findTemplatesOf(db, keys),
    (key) => JSON.stringify([key.companyId, key.event, key.channel]),
    (row) => JSON.stringify([row.companyId, row.event, row.channel]),
  );
  const preference = sharedLookup<{ companyId: string; recipientKey: string }, PreferenceRow>(
    (keys) => findPreferencesOf(db, keys),
    (key) => JSON.stringify([key.companyId, key.recipientKey]),
    (row) => JSON.stringify([row.companyId, row.recipientKey]),
  );
  const sent = new GroupCommitter<DeliverySent, true>({
    flush: async (inputs) => {
      await recordDeliveriesSent(db, inputs);
      return inputs.map(() => true as const);
    },
    maxBatch: MAX_BATCH,
    maxConcurrentFlushes: 2,
    maxQueued: Number.MAX_SAFE_INTEGER,
  });
  return {
    delivery,
    settings,
    template,
    async preferences(companyId, recipientKeys) {
      const rows = await Promise.all(recipientKeys.map((recipientKey) => preference({ companyId, recipientKey })));
      return rows.filter((row): row is PreferenceRow => row !== undefined);
    },
    async recordSent(input) {
      await sent.submit(input);
    },
  };
}
