/**
 * In-process change signals for progress streams (by our location id). Other processes' changes
 * are picked up by the stream's periodic database probe, so this is only a latency shortcut.
 */
export class SyncProgressHub {
  private readonly listeners = new Map<string, Set<() => void>>();

  notify(locationId: string): void {
    for (const listener of [...(this.listeners.get(locationId) ?? [])]) listener();
  }

  subscribe(locationId: string, listener: () => void): () => void {
    const set = this.listeners.get(locationId) ?? new Set<() => void>();
    set.add(listener);
    this.listeners.set(locationId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(locationId);
    };
  }
}
