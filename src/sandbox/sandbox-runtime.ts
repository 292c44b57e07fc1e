import type { FaultInjector } from './fault-injector.js';
import { fail, type RequestContext } from './http-kit.js';
import type { SeededRandom } from './random.js';
import type { SandboxStore, LocationData, Location } from './sandbox-store.js';
import type { SandboxQuirks } from './sandbox.types.js';
import type { TokenRecord, TokenVault } from './token-vault.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import type { WebhookPayload } from './webhook-payloads.js';

/** Where the app is installed; events only flow for installed locations (ghl-api.md §5.1, Faqs). */
export class InstallationRegistry {
  readonly installedAtMsByLocation = new Map<string, number>();
  /**
   * Locations the app was uninstalled from. Only a new INSTALL (consent or `/sandbox/install`) brings one
   * back: minting a location token from the agency token does not, and no call for it succeeds meanwhile.
   */
  readonly uninstalledLocationIds = new Set<string>();
  isCompanyInstalled = false;
  installToFutureLocations = false;

  install(locationId: string, nowMs: number): void {
    this.uninstalledLocationIds.delete(locationId);
    if (!this.installedAtMsByLocation.has(locationId)) this.installedAtMsByLocation.set(locationId, nowMs);
  }

  uninstall(locationId: string): void {
    this.installedAtMsByLocation.delete(locationId);
    this.uninstalledLocationIds.add(locationId);
  }

  isInstalled(locationId: string): boolean {
    return this.installedAtMsByLocation.has(locationId);
  }

  isUninstalled(locationId: string): boolean {
    return this.uninstalledLocationIds.has(locationId);
  }
}

export interface SandboxRuntime {
  store: SandboxStore;
  vault: TokenVault;
  dispatcher: WebhookDispatcher;
  faults: FaultInjector;
  installations: InstallationRegistry;
  random: SeededRandom;
  quirks: SandboxQuirks;
  clientId: string;
  clientSecret: string;
  appId: string;
  versionId: string;
  baseUrl: string;
  /** Events not sent because the app is not installed on their location. */
  counters: { requests: number; rateLimited: number; suppressedEvents: number };
  /** The sandbox's clock (ms since epoch): token expiry, rate windows, timestamps. */
  now: () => number;
}

/** Publishes an event if the app is installed on the event's location, adding the app envelope fields. */
export function emitEvent(runtime: SandboxRuntime, locationId: string, payload: WebhookPayload): void {
  if (!runtime.installations.isInstalled(locationId)) {
    runtime.counters.suppressedEvents++;
    return;
  }
  runtime.dispatcher.publish({ ...payload, appId: runtime.appId, versionId: runtime.versionId }, locationId);
}

export function requireToken(context: RequestContext): TokenRecord {
  const token = context.token;
  if (!token) fail(401, 'Invalid token: access token is invalid');
  return token;
}

/**
 * A location token may only touch its own location; an agency token any location of its company.
 * The 403 text is the one integrators report (highlevel-api-docs issue #213).
 */
export function requireLocationAccess(runtime: SandboxRuntime, context: RequestContext, locationId: string | undefined): { location: Location; data: LocationData } {
  const token = requireToken(context);
  if (!locationId) fail(422, ['locationId should not be empty', 'locationId must be a string']);
  const location = runtime.store.locations.get(locationId);
  const isAllowed = token.userType === 'Location' ? token.locationId === locationId : location?.companyId === token.companyId;
  if (!isAllowed) fail(403, 'The token does not have access to this location.');
  const data = runtime.store.getLocationData(locationId);
  if (!location || !data) fail(403, 'The token does not have access to this location.');
  // UNCONFIRMED: GHL's exact answer to an agency token used for a location the app was uninstalled from.
  if (runtime.installations.isUninstalled(locationId)) fail(403, 'The app is not installed on this location.');
  return { location, data };
}

/** Record looked up by id: unknown → 404, another location's → 403 (the token lacks access). */
export function requireRecordLocation(runtime: SandboxRuntime, context: RequestContext, recordId: string, what: string): { location: Location; data: LocationData } {
  const locationId = runtime.store.findRecordLocationId(recordId);
  if (!locationId) fail(404, `${what} not found`);
  return requireLocationAccess(runtime, context, locationId);
}

export function toIso(ms: number): string {
  return new Date(ms).toISOString();
}
