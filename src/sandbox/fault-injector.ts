import type { FaultConfig } from './sandbox.types.js';

export type ApiFault = { kind: 'none' } | { kind: 'server-error'; status: number } | { kind: 'rate-limit-storm' };

export type WebhookFault = 'none' | 'drop' | 'duplicate' | 'reorder';

/** Fault settings, global and per location; a location's own setting overrides the global one field by field. */
export class FaultInjector {
  private globalFaults: FaultConfig = {};
  private readonly faultsByLocation = new Map<string, FaultConfig>();

  constructor(private readonly random: () => number = Math.random) {}

  set(faults: FaultConfig, locationId: string | undefined): void {
    const { revokeTokens: _revokeTokens, ...lasting } = faults;
    if (locationId === undefined) this.globalFaults = lasting;
    else this.faultsByLocation.set(locationId, lasting);
  }

  clear(): void {
    this.globalFaults = {};
    this.faultsByLocation.clear();
  }

  resolve(locationId: string | undefined): FaultConfig {
    const own = locationId === undefined ? undefined : this.faultsByLocation.get(locationId);
    return own ? { ...this.globalFaults, ...own } : this.globalFaults;
  }

  describe(): { global: FaultConfig; byLocation: Record<string, FaultConfig> } {
    return { global: this.globalFaults, byLocation: Object.fromEntries(this.faultsByLocation) };
  }

  computeLatencyMs(locationId: string | undefined): number {
    const faults = this.resolve(locationId);
    const base = faults.latencyMs ?? 0;
    const jitter = faults.latencyJitterMs ?? 0;
    return base + (jitter > 0 ? Math.floor(this.random() * jitter) : 0);
  }

  pickApiFault(locationId: string | undefined): ApiFault {
    const faults = this.resolve(locationId);
    if (faults.rateLimitStormRate !== undefined && this.random() < faults.rateLimitStormRate) return { kind: 'rate-limit-storm' };
    if (faults.serverErrorRate !== undefined && this.random() < faults.serverErrorRate) return { kind: 'server-error', status: faults.serverErrorStatus ?? 500 };
    return { kind: 'none' };
  }

  pickWebhookFault(locationId: string | undefined): { fault: WebhookFault; reorderDelayMs: number } {
    const faults = this.resolve(locationId);
    const reorderDelayMs = faults.webhookReorderDelayMs ?? 250;
    if (faults.webhookDropRate !== undefined && this.random() < faults.webhookDropRate) return { fault: 'drop', reorderDelayMs };
    if (faults.webhookDuplicateRate !== undefined && this.random() < faults.webhookDuplicateRate) return { fault: 'duplicate', reorderDelayMs };
    if (faults.webhookReorderRate !== undefined && this.random() < faults.webhookReorderRate) return { fault: 'reorder', reorderDelayMs };
    return { fault: 'none', reorderDelayMs };
  }
}
