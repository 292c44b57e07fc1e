import type { Executor } from '../../platform/db/index.js';
import type { AppModule } from '../../platform/module/index.js';
import { createDeliveryJobs } from './send-deliveries.jobs.js';
import { registerNotificationsRoutes } from './notifications.routes.js';
import type { NotificationRecipient, NotificationsDeps, Notify, NotifyOptions, NotifyScope } from './notifications.types.js';
import { notify } from './notify.js';

export interface NotificationsModule extends AppModule {
  /**
   * Call inside your own transaction; jobs are enqueued in it. Call `wake()` after your commit so
   * this process's runner picks them up at once (PostgreSQL also wakes runners by NOTIFY on commit).
   */
  notify: Notify;
  wake(): void;
}

/**
 * Email (SMTP, SendGrid, Resend), SMS (Twilio) and signed outbound webhooks (Standard Webhooks) as
 * durable jobs with a delivery log, templates, preferences, usage for rebilling and the providers'
 * callbacks. Providers are ports (notification-ports.ts) whose SDK adapters arrive in deps.
 */
export function createNotificationsModule(deps: NotificationsDeps): NotificationsModule {
  return {
    name: 'notifications',
    notify: (tx: Executor, scope: NotifyScope, event: string, recipients: readonly NotificationRecipient[], data: Record<string, unknown>, options?: NotifyOptions) =>
      notify(deps, tx, scope, event, recipients, data, options),
    wake: () => deps.wakeJobs(),
    jobs: createDeliveryJobs(deps),
    registerRoutes: (app) => registerNotificationsRoutes(app, deps),
    async close() {
      await deps.email.close();
      await deps.webhookSender.close();
    },
  };
}
