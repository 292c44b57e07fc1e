import type { JSX } from 'preact';
import type { User } from '../types.js';

/** What the frame hands every view. */
export interface ViewContext {
  user: User;
  /** The URL's query (view state such as ?location= lives there, so a view can be linked to). */
  query: URLSearchParams;
  /** Changes query parameters of the current view (undefined removes one). */
  setQuery: (patch: Record<string, string | undefined>) => void;
  /** Opens another view by id, with its query. */
  navigate: (viewId: string, query?: Record<string, string>) => void;
}

/**
 * One page of the dashboard. The frame lists views from DASHBOARD_VIEWS (views/index.ts) in the
 * navigation and routes /dashboard/<id> to them; a module adds its own view as one more file there.
 */
export interface DashboardView {
  /** URL segment and stable id (`system` → /dashboard/system). */
  id: string;
  title: string;
  /** One line under the title. */
  description: string;
  /** Who sees it in the navigation (the API enforces access regardless). */
  isVisibleTo: (user: User) => boolean;
  Component: (context: ViewContext) => JSX.Element;
}

export function isAdmin(user: User): boolean {
  return user.role === 'platform_admin' || user.role === 'agency_admin';
}

export function isLocationAdmin(user: User, locationId: string | null): boolean {
  if (isAdmin(user)) return true;
  return locationId !== null && user.locations.some((location) => location.locationId === locationId && location.role === 'location_admin');
}
