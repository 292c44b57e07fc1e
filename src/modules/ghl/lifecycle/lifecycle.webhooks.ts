import type { WebhookEntityRule, WebhookSubscription } from '../../../platform/module/index.js';
import { createGhlLifecycleProcessors, type GhlLifecycleDeps } from './lifecycle.processors.js';

const tenantLifecycle: WebhookEntityRule = { family: 'app', idPaths: [['locationId'], ['companyId']], isVersioned: true };

/** INSTALL, UNINSTALL and PLAN_CHANGE go to the critical queue; LocationCreate/Update take the default route. */
export function createGhlLifecycleSubscriptions(deps: GhlLifecycleDeps): WebhookSubscription[] {
  const processors = createGhlLifecycleProcessors(deps);
  return [
    { eventTypes: ['INSTALL'], route: { queue: 'critical', priority: 100, entity: tenantLifecycle }, process: processors.INSTALL },
    { eventTypes: ['UNINSTALL'], route: { queue: 'critical', priority: 100, entity: tenantLifecycle }, process: processors.UNINSTALL },
    { eventTypes: ['PLAN_CHANGE'], route: { queue: 'critical', priority: 90, entity: tenantLifecycle }, process: processors.PLAN_CHANGE },
    { eventTypes: ['LocationCreate', 'LocationUpdate'], process: processors.LocationCreate, processBatch: processors.LocationCreate.processBatch },
  ];
}
