import { useResource } from './live.js';
import type { Location, Page } from './types.js';

/** The locations the user can see, and the one the view shows (?location=, else the first connected one). */
export function useLocations(selectedId: string | null) {
  const locations = useResource<Page<Location>>('/api/locations', { limit: 200 });
  const items = locations.data?.items ?? [];
  const selected = items.find((location) => location.id === selectedId) ?? items.find((location) => location.ghlLocationId !== null) ?? items[0] ?? null;
  return { ...locations, items, selected };
}
