import type { Location } from '../types.js';

/** Chooses the location a per-location view shows; the choice lives in the URL (?location=). */
export function LocationPicker({ locations, value, onChange }: { locations: readonly Location[]; value: string | null; onChange: (locationId: string) => void }) {
  return (
    <label class="field field-inline">
      <span>Location</span>
      <select value={value ?? ''} onChange={(event) => onChange((event.currentTarget as HTMLSelectElement).value)}>
        {locations.map((location) => (
          <option key={location.id} value={location.id}>
            {location.name}
            {location.ghlLocationId ? '' : ' (not connected)'}
          </option>
        ))}
      </select>
    </label>
  );
}
