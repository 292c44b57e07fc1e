import { z } from 'zod';
import type { WebhookEvent } from '../webhooks/index.js';

/*
 * Payload parsing: strict about what a processor cannot work without (the entity id), lenient about
 * everything else. GHL adds fields without notice and the docs' examples disagree with real deliveries,
 * so an optional field of an unexpected type becomes undefined instead of failing the event.
 */
export const requiredId = z.string().trim().min(1);
export const optionalText = z.string().optional().catch(undefined);
/** Ids and numbers-as-text (invoiceNumber "19", phone) may come as numbers. */
export const optionalTextish = z
  .union([z.string(), z.number()])
  .transform((value) => String(value))
  .optional()
  .catch(undefined);
export const optionalBoolean = z.boolean().optional().catch(undefined);
export const optionalNumber = z.number().optional().catch(undefined);
/** Amounts: numbers, or decimal strings; converted with toCents, never with float math. */
export const optionalAmount = z.union([z.number(), z.string()]).optional().catch(undefined);
export const optionalStringList = z
  .array(z.unknown())
  .transform((items) => items.filter((item): item is string => typeof item === 'string'))
  .optional()
  .catch(undefined);
/** Kept as given (jsonb columns, timestamps parsed later by parseGhlTime). */
export const anyValue = z.unknown().optional();

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

/** Zod issues as one short line for a skip reason. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
