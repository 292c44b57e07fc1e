import { parseGhlTime } from './ghl-payload.js';
import { describeEntity, type WriteThroughEntity } from './write-through-entities.js';

export interface GhlRecordVersion {
  values: Record<string, unknown>;
  /** GHL's change time when the record carries one. */
  changedAt: Date | undefined;
  raw: Record<string, unknown>;
}

/**
 * A record as GHL's REST API answers it, read into column values by the same mapping the webhooks
 * use (reshaped as its webhook payload first). Undefined when it does not parse.
 */
export function readGhlRecord(entity: WriteThroughEntity, record: Record<string, unknown>, ghlLocationId: string): GhlRecordVersion | undefined {
  const { mapping, toWebhookPayload } = describeEntity(entity);
  const payload = toWebhookPayload(record, ghlLocationId);
  const parsed = mapping.schema.safeParse(payload);
  if (!parsed.success) return undefined;
  const changedAt = mapping
    .changeTimesOf(parsed.data)
    .map((time) => parseGhlTime(time))
    .find((time) => time !== undefined);
  const epoch = { sourceUpdatedAt: changedAt ?? new Date(0), sourceEventAt: null };
  return { values: mapping.valuesOf(parsed.data, { eventType: 'RestAnswer', version: epoch }), changedAt, raw: payload };
}
