import type { Clock } from '../../../platform/clock/clock.js';
import type { Tx } from '../../../platform/db/index.js';
import type { IdGenerator } from '../../../platform/ids/ids.js';
import { createCrmBatchAppliers, createCrmProcessors } from '../register-crm-processors.js';
import type { WebhookEvent, WebhookProcessor } from '../../webhooks/index.js';
import type { GhlAppointmentRecord, GhlContactRecord, GhlConversationRecord, GhlInvoiceRecord, GhlOpportunityRecord, GhlUserRecord } from '../ghl-gateway.js';

export interface SyncTarget {
  id: string;
  ghlLocationId: string;
  startedAt: Date;
}

/** REST `messageType` (TYPE_*) to the short names webhooks (and so the messages table) use. */
const WEBHOOK_MESSAGE_TYPES: Record<string, string> = {
  TYPE_SMS: 'SMS',
  TYPE_CALL: 'CALL',
  TYPE_EMAIL: 'Email',
  TYPE_WHATSAPP: 'WhatsApp',
  TYPE_FACEBOOK: 'FB',
  TYPE_INSTAGRAM: 'IG',
  TYPE_GMB: 'GMB',
  TYPE_LIVE_CHAT: 'Live Chat',
};

/** What applying a page did: the GHL ids of the records whose processor changed our row (`done`, not `skipped`). */
export interface AppliedRecords {
  changed: number;
  changedGhlIds: string[];
}

class AppliedRecordsCollector {
  readonly changedGhlIds: string[] = [];
  add(ghlId: string, isChanged: boolean): void {
    if (isChanged) this.changedGhlIds.push(ghlId);
  }
  result(): AppliedRecords {
    return { changed: this.changedGhlIds.length, changedGhlIds: this.changedGhlIds };
  }
}

/**
 * Writes what the REST API lists through the CRM module's own webhook processors, so an entity that
 * arrives by setup sync and the same entity arriving by webhook are mapped by one piece of code into
 * identical columns (and the same staleness rules apply). Each REST object is reshaped into the
 * payload of the webhook that carries it. Each method reports which records changed our rows, so
 * reconciliation can tell a missed webhook (changed) from one that had arrived (skipped).
 */
export class CrmApplier {
  private readonly processors: Record<string, WebhookProcessor>;
  private readonly batches: ReturnType<typeof createCrmBatchAppliers>;

  constructor(deps: { generateId: IdGenerator; clock: Clock }) {
    this.processors = createCrmProcessors(deps);
    this.batches = createCrmBatchAppliers(deps);
  }

  async applyContacts(tx: Tx, target: SyncTarget, contacts: readonly GhlContactRecord[]): Promise<AppliedRecords> {
    const events = contacts.map((contact) => {
      const { searchAfter: _cursor, ...payload } = contact;
      return this.eventOf(target, 'ContactUpdate', { ...payload, locationId: target.ghlLocationId }, `contact:${contact.id}`);
    });
    return toApplied(await this.batches.contacts(tx, events));
  }

  async applyOpportunities(tx: Tx, target: SyncTarget, opportunities: readonly GhlOpportunityRecord[]): Promise<AppliedRecords> {
    const events = opportunities.map((opportunity) => {
      const raw = opportunity as unknown as Record<string, unknown>;
      // Webhooks name the creation time dateAdded; the REST object calls it createdAt.
      const payload = { ...raw, locationId: target.ghlLocationId, dateAdded: raw['dateAdded'] ?? opportunity.createdAt };
      return this.eventOf(target, 'OpportunityUpdate', payload, `opportunity:${opportunity.id}`);
    });
    return toApplied(await this.batches.opportunities(tx, events));
  }

  async applyAppointments(tx: Tx, target: SyncTarget, events: readonly GhlAppointmentRecord[]): Promise<AppliedRecords> {
    const webhookEvents = events.map((event) =>
      this.eventOf(target, 'AppointmentUpdate', { locationId: target.ghlLocationId, appointment: { ...event, locationId: target.ghlLocationId } }, `appointment:${event.id}`),
    );
    return toApplied(await this.batches.appointments(tx, webhookEvents));
  }

  async applyConversations(tx: Tx, target: SyncTarget, conversations: readonly GhlConversationRecord[]): Promise<AppliedRecords> {
    const applied = new AppliedRecordsCollector();
    for (const conversation of conversations) {
      const raw = conversation as unknown as Record<string, unknown>;
      const payload = {
        id: conversation.id,
        locationId: target.ghlLocationId,
        contactId: conversation.contactId,
        unreadCount: conversation.unreadCount,
        starred: raw['starred'],
        inbox: raw['inbox'],
        deleted: raw['deleted'] === true,
        dateUpdated: raw['dateUpdated'],
      };
      applied.add(conversation.id, await this.apply(tx, target, 'ConversationUnreadUpdate', payload, `conversation:${conversation.id}`));
    }
    return applied.result();
  }

  async applyMessages(tx: Tx, target: SyncTarget, messages: readonly Record<string, unknown>[]): Promise<AppliedRecords> {
    const applied = new AppliedRecordsCollector();
    for (const message of messages) {
      const id = typeof message['id'] === 'string' ? message['id'] : undefined;
      if (!id) continue;
      const meta = (typeof message['meta'] === 'object' && message['meta'] !== null ? message['meta'] : {}) as Record<string, unknown>;
      const messageType = typeof message['messageType'] === 'string' ? (WEBHOOK_MESSAGE_TYPES[message['messageType']] ?? message['messageType']) : undefined;
      const direction = message['direction'];
      const callDuration = meta['callDuration'] === undefined ? undefined : Number(meta['callDuration']);
      const payload: Record<string, unknown> = {
        locationId: target.ghlLocationId,
        attachments: message['attachments'],
        body: message['body'],
        contactId: message['contactId'],
        contentType: message['contentType'],
        conversationId: message['conversationId'],
        dateAdded: message['dateAdded'],
        direction,
        messageType,
        messageId: id,
        // Call webhooks report the call outcome as the status.
        status: meta['callStatus'] ?? message['status'],
        ...(callDuration !== undefined && Number.isFinite(callDuration) ? { callDuration } : {}),
        ...(meta['callStatus'] !== undefined ? { callStatus: meta['callStatus'] } : {}),
        ...(typeof message['userId'] === 'string' && message['userId'] !== '' ? { userId: message['userId'] } : {}),
        // Only OutboundMessage carries `source` (the CRM reads its presence as "we sent it").
        ...(direction === 'outbound' && message['source'] !== undefined ? { source: message['source'] } : {}),
      };
      const eventType = direction === 'outbound' ? 'OutboundMessage' : 'InboundMessage';
      // A message's own time is the version: re-listing it later changes nothing.
      applied.add(id, await this.apply(tx, target, eventType, payload, `message:${id}`, typeof message['dateAdded'] === 'string' ? new Date(message['dateAdded']) : undefined));
    }
    return applied.result();
  }

  /** REST invoices are the webhook's document (the webhook adds only the event type); the location is altId. */
  async applyInvoices(tx: Tx, target: SyncTarget, invoices: readonly GhlInvoiceRecord[]): Promise<AppliedRecords> {
    const applied = new AppliedRecordsCollector();
    for (const invoice of invoices) {
      const payload = { ...(invoice as unknown as Record<string, unknown>), altId: target.ghlLocationId, altType: 'location' };
      applied.add(invoice._id, await this.apply(tx, target, 'InvoiceUpdate', payload, `invoice:${invoice._id}`));
    }
    return applied.result();
  }

  async applyUsers(tx: Tx, target: SyncTarget, ghlCompanyId: string, users: readonly GhlUserRecord[]): Promise<AppliedRecords> {
    const applied = new AppliedRecordsCollector();
    for (const user of users) {
      const raw = user as unknown as Record<string, unknown>;
      const payload = {
        id: user.id,
        companyId: ghlCompanyId,
        locationId: target.ghlLocationId,
        locations: user.roles?.locationIds ?? [],
        firstName: user.firstName,
        lastName: user.lastName,
        email: user.email,
        phone: user.phone,
        extension: raw['extension'],
        role: user.roles?.role,
        permissions: raw['permissions'],
      };
      applied.add(user.id, await this.apply(tx, target, user.deleted === true ? 'UserDelete' : 'UserUpdate', payload, `user:${user.id}`, undefined, ghlCompanyId));
    }
    return applied.result();
  }

  /**
   * Records GHL no longer has (confirmed one by one by the caller): applied as the delete webhooks
   * would have been, so pending local edits are dropped and the tombstone is final.
   */
  async applyDeleted(tx: Tx, target: SyncTarget, entity: 'contacts' | 'opportunities' | 'appointments' | 'invoices', ghlIds: readonly string[]): Promise<AppliedRecords> {
    const applied = new AppliedRecordsCollector();
    for (const ghlId of ghlIds) {
      const [eventType, payload] =
        entity === 'contacts'
          ? (['ContactDelete', { id: ghlId, locationId: target.ghlLocationId }] as const)
          : entity === 'opportunities'
          ? (['OpportunityDelete', { id: ghlId, locationId: target.ghlLocationId }] as const)
          : entity === 'appointments'
            ? (['AppointmentDelete', { locationId: target.ghlLocationId, appointment: { id: ghlId, locationId: target.ghlLocationId } }] as const)
            : (['InvoiceDelete', { _id: ghlId, altId: target.ghlLocationId, altType: 'location' }] as const);
      applied.add(ghlId, await this.apply(tx, target, eventType, payload, `deleted:${ghlId}`));
    }
    return applied.result();
  }

  /** True when the processor changed our row (`done`). */
  private async apply(tx: Tx, target: SyncTarget, eventType: string, payload: Record<string, unknown>, entityKey: string, versionAt?: Date, ghlCompanyId?: string): Promise<boolean> {
    const processor = this.processors[eventType];
    if (!processor) throw new Error(`the CRM module has no processor for ${eventType}`);
    const outcome = await processor(tx, this.eventOf(target, eventType, payload, entityKey, versionAt, ghlCompanyId));
    return outcome.status === 'done';
  }

  private eventOf(target: SyncTarget, eventType: string, payload: Record<string, unknown>, entityKey: string, versionAt?: Date, ghlCompanyId?: string): WebhookEvent {
    const receivedAt = versionAt && !Number.isNaN(versionAt.getTime()) ? versionAt : target.startedAt;
    return {
      id: '0',
      provider: 'ghl',
      eventType,
      deliveryId: `sync:${target.id}:${entityKey}`,
      ghlLocationId: target.ghlLocationId,
      ghlCompanyId: ghlCompanyId ?? null,
      payload,
      // Entities without a change time of their own are "as listed when the run started".
      receivedAt,
      attempt: 1,
      orderingKey: null,
      occurredAt: null,
    };
  }
}

function toApplied(changedGhlIds: string[]): AppliedRecords {
  return { changed: changedGhlIds.length, changedGhlIds };
}
