import type { HttpErrorStatus } from '../../platform/http/index.js';
import type { FailureCodeOf } from '../../platform/result/index.js';
import type { getFreeSlots } from './get-free-slots.js';
import type { getAppointment, listAppointments, listCalendars, listCustomFields } from './list-appointments.js';
import type { getContact, listContacts } from './list-contacts.js';
import type { listConversations, listMessages } from './list-conversations.js';
import type { getInvoice, listInvoices } from './list-invoices.js';
import type { getProject, listPipelines, listProjects } from './list-projects.js';
import type { getReconciliation } from './reconcile/get-reconciliation.js';
import type { requestReconciliation } from './reconcile/request-reconciliation.js';
import type { getMessageSend, listMessageSends, sendMessage } from './send-message.js';
import type { getSyncHealth } from './sync-health/get-sync-health.js';
import type { findGhlLocationIdForSync, getSyncProgress } from './sync/get-sync-progress.js';
import type { createAppointment, deleteAppointment, updateAppointment } from './write-appointments.js';
import type { createContact, deleteContact, updateContact } from './write-contacts.js';
import type { createNote, createTask, deleteNote, deleteTask, updateNote, updateTask } from './write-notes-and-tasks.js';
import type { createProject, deleteProject, updateProject } from './write-projects.js';

/** Every code the crm use cases (reads, writes, sync, sync health, reconciliation) return, plus the ones its routes answer themselves. */
export type CrmErrorCode =
  | FailureCodeOf<
      | typeof listContacts
      | typeof getContact
      | typeof listPipelines
      | typeof listProjects
      | typeof getProject
      | typeof listAppointments
      | typeof getAppointment
      | typeof listCalendars
      | typeof listCustomFields
      | typeof getFreeSlots
      | typeof listConversations
      | typeof listMessages
      | typeof listInvoices
      | typeof getInvoice
      | typeof createContact
      | typeof updateContact
      | typeof deleteContact
      | typeof createProject
      | typeof updateProject
      | typeof deleteProject
      | typeof createAppointment
      | typeof updateAppointment
      | typeof deleteAppointment
      | typeof createNote
      | typeof updateNote
      | typeof deleteNote
      | typeof createTask
      | typeof updateTask
      | typeof deleteTask
      | typeof sendMessage
      | typeof listMessageSends
      | typeof getMessageSend
      | typeof getSyncProgress
      | typeof findGhlLocationIdForSync
      | typeof getSyncHealth
      | typeof getReconciliation
      | typeof requestReconciliation
    >
  | 'not_enabled';

/**
 * The HTTP status of each crm failure; a code without one fails to compile. What the caller must fix
 * is 400, a state conflict 409, GHL itself failing 502/503.
 */
export const CRM_ERROR_STATUS = {
  not_found: 404,
  forbidden: 403,
  invalid_window: 400,
  invalid_cursor: 400,
  invalid_timezone: 400,
  invalid_message: 400,
  contact_identity_required: 400,
  unknown_custom_field: 400,
  unknown_contact: 400,
  unknown_pipeline: 400,
  unknown_stage: 400,
  unknown_calendar: 400,
  not_linked: 409,
  contact_dnd: 409,
  not_installed: 409,
  not_synced: 409,
  not_enabled: 501,
  ghl_unavailable: 502,
  ghl_not_configured: 503,
} as const satisfies Record<CrmErrorCode, HttpErrorStatus>;
