import type { Executor } from '../../platform/db/index.js';
import { fail, succeed, type Result } from '../../platform/result/index.js';
import { selectCustomFieldDefinitions } from './crm-write.repo.js';
import type { CustomFieldInput } from './crm-write.schemas.js';

export type StoredCustomField = { id: string; value: unknown };

/**
 * Resolves custom field keys to GHL ids (GHL keys them `<model>.<key>`) and lays the given values
 * over the stored ones, so the record keeps GHL's `[{id, value}]` shape and the push sends ids only.
 */
export async function mergeCustomFields(
  tx: Executor,
  locationId: string,
  model: 'contact' | 'opportunity',
  stored: unknown,
  inputs: readonly CustomFieldInput[],
): Promise<Result<StoredCustomField[], 'unknown_custom_field'>> {
  const definitions = await selectCustomFieldDefinitions(tx, locationId, model);
  const byKey = new Map<string, string>();
  for (const definition of definitions) {
    if (definition.fieldKey) {
      byKey.set(definition.fieldKey, definition.ghlId);
      byKey.set(definition.fieldKey.replace(/^[a-z_]+\./, ''), definition.ghlId);
    }
  }
  const known = new Set(definitions.map((definition) => definition.ghlId));
  const result = new Map<string, unknown>();
  if (Array.isArray(stored)) {
    for (const field of stored as unknown[]) {
      if (typeof field === 'object' && field !== null && typeof (field as { id?: unknown }).id === 'string') {
        result.set((field as { id: string }).id, (field as { value?: unknown }).value ?? null);
      }
    }
  }
  for (const input of inputs) {
    const id = input.id ?? (input.key === undefined ? undefined : byKey.get(input.key));
    if (id === undefined || !known.has(id)) {
      return fail('unknown_custom_field', `Unknown ${model} custom field ${input.key ?? input.id ?? ''}; list them with GET /api/locations/:locationId/custom-fields`);
    }
    result.set(id, input.value);
  }
  return succeed([...result.entries()].map(([id, value]) => ({ id, value })));
}
