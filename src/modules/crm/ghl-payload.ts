import { z } from 'zod';
import { parseGhlTime, resolveSourceVersion, type SourceVersion } from '../webhooks/index.js';

export { parseGhlTime, resolveSourceVersion };
export type { SourceVersion };

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

/** Zod issues as one short line for a skip reason. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
