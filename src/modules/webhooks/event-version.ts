import type { WebhookEvent } from '../../platform/module/index.js';

/** GHL timestamps: ISO-8601 strings (with Z or an offset such as +05:30) or epoch milliseconds. */
export function parseGhlTime(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) date = new Date(value);
  else if (typeof value === 'string' && value.trim() !== '') {
    const text = value.trim();
    date = /^\d{10,}$/.test(text) ? new Date(Number(text)) : new Date(text);
  }
  return date && !Number.isNaN(date.getTime()) ? date : undefined;
}

export interface SourceVersion {
  sourceUpdatedAt: Date;
  sourceEventAt: Date | null;
}

/**
 * The version an event carries. The entity's own change time comes first (dateUpdated/updatedAt);
 * most GHL payloads (contacts, notes, tasks, opportunities) have none, so the delivery's envelope
 * `timestamp` stands in, and when even that is missing (every docs example but one) the time our
 * inbox received it, which is fixed per event so retries stay idempotent.
 */
export function resolveSourceVersion(event: WebhookEvent, entityTimes: readonly unknown[]): SourceVersion {
  const sourceEventAt = parseGhlTime(event.payload['timestamp']) ?? null;
  for (const candidate of entityTimes) {
    const parsed = parseGhlTime(candidate);
    if (parsed) return { sourceUpdatedAt: parsed, sourceEventAt };
  }
  return { sourceUpdatedAt: sourceEventAt ?? event.receivedAt, sourceEventAt };
}
