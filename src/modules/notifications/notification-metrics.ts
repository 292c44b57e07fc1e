import { Counter, Histogram, type Registry } from 'prom-client';

export interface NotificationMetrics {
  /** Deliveries reaching a status, by channel and status. */
  deliveries: Counter<'channel' | 'status'>;
  /** Enqueue (delivery created) → sent, by channel. */
  enqueueToSentSeconds: Histogram<'channel'>;
  providerCalls: Counter<'provider' | 'outcome'>;
}

export function createNotificationMetrics(registry: Registry | undefined): NotificationMetrics {
  const registers = registry ? [registry] : [];
  return {
    deliveries: new Counter({ name: 'switchboard_notifications_total', help: 'Notification deliveries reaching a status, by channel and status', labelNames: ['channel', 'status'], registers }),
    enqueueToSentSeconds: new Histogram({
      name: 'switchboard_notifications_enqueue_to_sent_seconds',
      help: 'Time from notify() to the provider accepting the message',
      labelNames: ['channel'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300, 3600],
      registers,
    }),
    providerCalls: new Counter({ name: 'switchboard_notifications_provider_calls_total', help: 'Calls to notification providers, by provider and outcome', labelNames: ['provider', 'outcome'], registers }),
  };
}
