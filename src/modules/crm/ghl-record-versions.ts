import { appointmentMapping } from './appointments.processors.js';
import { contactMapping, noteMapping, taskMapping } from './contacts.processors.js';
import type { EntityMapping } from './entity-processor.js';
import { parseGhlTime } from './ghl-payload.js';
import { opportunityMapping } from './opportunities.processors.js';
import type { WriteThroughEntity } from './write-through.repo.js';

export interface GhlRecordVersion {
  values: Record<string, unknown>;
  /** GHL's change time when the record carries one. */
  changedAt: Date | undefined;
  raw: Record<string, unknown>;
}

/**
 * A record as GHL's REST API answers it, read into column values by the same mapping the webhooks
 * use (appointments travel nested under `appointment` in webhooks). Undefined when it does not parse.
 */
export function readGhlRecord(entity: WriteThroughEntity, record: Record<string, unknown>, ghlLocationId: string): GhlRecordVersion | undefined {
  const payload = entity === 'appointments' ? { locationId: ghlLocationId, appointment: { ...record, locationId: ghlLocationId } } : { ...record, locationId: ghlLocationId };
  const mapping = mappingOf(entity);
  const parsed = mapping.schema.safeParse(payload);
  if (!parsed.success) return undefined;
  const changedAt = mapping
    .changeTimesOf(parsed.data)
    .map((time) => parseGhlTime(time))
    .find((time) => time !== undefined);
  const epoch = { sourceUpdatedAt: changedAt ?? new Date(0), sourceEventAt: null };
  return { values: mapping.valuesOf(parsed.data, { eventType: 'RestAnswer', version: epoch }), changedAt, raw: payload };
}

function mappingOf(entity: WriteThroughEntity): EntityMapping<unknown, string> {
  switch (entity) {
    case 'contacts':
      return contactMapping as unknown as EntityMapping<unknown, string>;
    case 'opportunities':
      return opportunityMapping as unknown as EntityMapping<unknown, string>;
    case 'appointments':
      return appointmentMapping as unknown as EntityMapping<unknown, string>;
    case 'notes':
      return noteMapping as unknown as EntityMapping<unknown, string>;
    case 'tasks':
      return taskMapping as unknown as EntityMapping<unknown, string>;
  }
}
