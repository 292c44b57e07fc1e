/**
 * The event names a GHL location (or agency) we have no row for yet, usually because its INSTALL is
 * still queued or the OAuth exchange has not finished (ghl-api.md §5.5). Thrown, not returned, so the
 * dispatcher rolls back and retries with backoff; once the install lands the retry succeeds.
 */
export class LocationNotInstalledError extends Error {
  constructor(readonly ghlId: string, readonly kind: 'location' | 'company' = 'location') {
    super(`GHL ${kind} ${ghlId} is not installed here yet; retry after its INSTALL is processed`);
    this.name = 'LocationNotInstalledError';
  }
}
