import { accountView } from './account.view.js';
import { deadLettersView } from './dead-letters.view.js';
import { installsView } from './installs.view.js';
import { notificationsView } from './notifications.view.js';
import { syncHealthView } from './sync-health.view.js';
import { systemView } from './system.view.js';
import type { DashboardView } from './view.js';

/**
 * Every view of the dashboard, in navigation order. A module that brings its own pages
 * (integrations, notifications, orders, leads, payments) adds one `<name>.view.tsx` file and one
 * entry here; the frame does the rest (navigation, routing, session, roles).
 */
export const DASHBOARD_VIEWS: readonly DashboardView[] = [systemView, deadLettersView, installsView, syncHealthView, notificationsView, accountView];
