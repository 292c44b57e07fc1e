/** Shapes of the API answers the dashboard reads (the OpenAPI document at /docs/json is the reference). */

export type UserRole = 'platform_admin' | 'agency_admin' | 'member';
export type LocationRole = 'location_admin' | 'location_member';

export interface User {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  companyId: string | null;
  locations: { locationId: string; role: LocationRole }[];
}

export interface BrowserSession {
  user: User;
  csrfToken: string;
  expiresAt: string;
}

export interface SessionState {
  isAuthenticated: boolean;
  user: User | null;
  csrfToken: string | null;
  expiresAt: string | null;
  isDemoAvailable: boolean;
}

export interface Location {
  id: string;
  companyId: string;
  name: string;
  ghlLocationId: string | null;
  timezone: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export type Grade = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';

export interface WebhookStats {
  received: number;
  done: number;
  skipped: number;
  failed: number;
  dead: number;
  receivedPerSecond: number;
  processedPerSecond: number;
  errorRatePercent: number | null;
  latencyMs: { p50: number | null; p95: number | null; p99: number | null; mean: number | null };
  slaCompliancePercent: number | null;
  slaGrade: Grade | null;
}

export interface QueueOverview {
  queue: string;
  slaSeconds: number;
  pending: number;
  running: number;
  retrying: number;
  dead: number;
  oldestPendingAgeSeconds: number | null;
  last5Minutes: WebhookStats;
  lastHour: WebhookStats;
}

export interface WebhookOverview {
  checkedAt: string;
  queues: QueueOverview[];
  total: Omit<QueueOverview, 'queue' | 'slaSeconds'>;
}

export interface WebhookSeries {
  window: '1h' | '24h';
  bucketSeconds: number;
  queue: string | null;
  from: string;
  to: string;
  points: (WebhookStats & { at: string })[];
  total: WebhookStats;
}

export type WebhookStatus = 'pending' | 'running' | 'done' | 'retry' | 'dead' | 'skipped';

export interface WebhookEventSummary {
  id: string;
  provider: string;
  eventType: string;
  deliveryId: string;
  queue: string;
  status: WebhookStatus;
  ghlLocationId: string | null;
  attempts: number;
  lastError: string | null;
  receivedAt: string;
  finishedAt: string | null;
}

export interface WebhookEventDetail extends WebhookEventSummary {
  payload: Record<string, unknown>;
  errors: { attempt: number; at: string; error: string }[];
  replayCount: number;
  runAt: string;
  startedAt: string | null;
}

export interface ReplayResult {
  matched: number;
  replayed: number;
  dryRun: boolean;
}

export interface Installation {
  id: string;
  installType: 'Company' | 'Location';
  status: string;
  ghlCompanyId: string | null;
  ghlLocationId: string | null;
  locationId: string | null;
  installedAt: string | null;
  uninstalledAt: string | null;
  token: { status: string; reason: string | null; accessExpiresAt: string | null; refreshedAt: string | null; scopes: string[] } | null;
}

export interface SyncStep {
  name: string;
  status: string;
  isRequired: boolean;
  records: number;
  requests: number;
  rateLimited: number;
  seconds: number;
  attempts: number;
  error: string | null;
}

export interface SyncRun {
  id: string;
  trigger: string;
  status: string;
  isFinished: boolean;
  isUsable: boolean;
  grade: Grade | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  elapsedSeconds: number | null;
  stepsDone: number;
  stepsTotal: number;
  steps: SyncStep[];
  report: { reasons?: string[]; slowestStep?: { name: string; seconds: number } | null; usableSeconds?: number | null; totalSeconds?: number } | null;
}

export interface SyncProgress {
  locationId: string;
  current: SyncRun | null;
  runs: SyncRun[];
}

export interface EntitySyncHealth {
  entity: string;
  localCount: number;
  syncedCount: number;
  pendingPushes: number;
  failures: number;
  unconfirmedRecords: number;
  refusedRecords: number;
  lastSourceUpdatedAt: string | null;
}

export interface SyncHealth {
  locationId: string;
  ghlLocationId: string | null;
  entities: EntitySyncHealth[];
  deadJobs: number;
  lastSetupSyncAt: string | null;
  reconciliation: { status: string; finishedAt: string | null; listed: number; repaired: number; coverage: number | null } | null;
  token: { status: string; reason: string | null; accessExpiresAt: string | null } | null;
  installation: { status: string; installedAt: string | null } | null;
  checkedAt: string;
}

export interface ReconcileRun {
  id: string;
  trigger: string;
  status: string;
  isFinished: boolean;
  listed: number;
  repaired: number;
  coverage: number;
  createdAt: string;
  finishedAt: string | null;
}

export interface Reconciliation {
  locationId: string;
  latest: ReconcileRun | null;
  runs: ReconcileRun[];
}

export type NotificationChannel = 'email' | 'sms' | 'webhook';
export type DeliveryStatus = 'queued' | 'waiting' | 'sending' | 'sent' | 'delivered' | 'bounced' | 'failed' | 'skipped';

export interface NotificationDelivery {
  id: string;
  locationId: string | null;
  event: string;
  channel: NotificationChannel;
  recipient: string;
  provider: string | null;
  status: DeliveryStatus;
  attempts: number;
  providerMessageId: string | null;
  reason: string | null;
  isTransactional: boolean;
  notBefore: string | null;
  createdAt: string;
  sentAt: string | null;
  deliveredAt: string | null;
  resendOf: string | null;
  isResendable: boolean;
}

export interface DeliveryPage {
  items: NotificationDelivery[];
  total: number;
  limit: number;
  offset: number;
}

export interface EndpointHealth {
  id: string;
  url: string;
  isEnabled: boolean;
  failingSince: string | null;
  disabledAt: string | null;
  disabledReason: string | null;
  lastSuccessAt: string | null;
  lastFailureAt: string | null;
  lastFailureReason: string | null;
  lastDelivery: { id: string; status: DeliveryStatus; reason: string | null; attempts: number; at: string } | null;
}

export interface DeliverySummary {
  since: string;
  hasSandboxInbox: boolean;
  byChannel: { channel: NotificationChannel; status: DeliveryStatus; total: number; retried: number }[];
  endpoints: EndpointHealth[];
}

export interface CapturedMessage {
  id: string;
  channel: 'email' | 'sms';
  provider: string;
  from: string;
  to: string;
  subject: string | null;
  text: string;
  html: string | null;
  deliveryId: string | null;
  capturedAt: string;
}

/** GET /api/auth/sessions item (UserSession in the OpenAPI document). */
export interface UserSession {
  id: string;
  createdAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  isCurrent: boolean;
}
