import { SEND_MESSAGE_JOB_KIND } from '../send-message.js';
import { WRITE_THROUGH_DESCRIPTORS } from '../write-through-entities.js';

export interface SyncHealthEntry {
  entity: string;
  table: string;
  /** The outbox job that pushes this entity to GHL (none exists yet for conversations and invoices). */
  pushJobKind: string;
  isWriteThrough: boolean;
  position: number;
}

/** Entities GHL writes and we only mirror (messages are sent through their own job). */
const MIRRORED_ENTITIES: readonly SyncHealthEntry[] = [
  { entity: 'conversations', table: 'conversations', pushJobKind: 'crm.push-conversation', isWriteThrough: false, position: 3 },
  { entity: 'messages', table: 'messages', pushJobKind: SEND_MESSAGE_JOB_KIND, isWriteThrough: false, position: 4 },
  { entity: 'invoices', table: 'invoices', pushJobKind: 'crm.push-invoice', isWriteThrough: false, position: 5 },
];

/** The CRM tables a location syncs: every write-through entity (from its descriptor) and the mirrored ones. */
export const SYNC_HEALTH_ENTITIES: readonly SyncHealthEntry[] = [
  ...WRITE_THROUGH_DESCRIPTORS.map(({ entity, table, pushJobKind, syncHealth }) => ({ entity, table: table.name, pushJobKind, isWriteThrough: true, position: syncHealth.position })),
  ...MIRRORED_ENTITIES,
].sort((a, b) => a.position - b.position);

