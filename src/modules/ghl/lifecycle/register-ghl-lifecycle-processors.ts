import type { ProcessorRegistry } from '../../webhooks/index.js';
import { createGhlLifecycleProcessors, type GhlLifecycleDeps } from './lifecycle.processors.js';

/** INSTALL, UNINSTALL, PLAN_CHANGE, LocationCreate, LocationUpdate. */
export function registerGhlLifecycleProcessors(registry: ProcessorRegistry, deps: GhlLifecycleDeps): void {
  registry.registerAll(createGhlLifecycleProcessors(deps));
}
