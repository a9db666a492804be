// The alerts a page carries to its activity. The page lists 20 of them and counts the rest, so sending
// all of a storm's 10,000 would only push the activity's input past Temporal's 2 MB payload limit: the
// workflow task would then fail over and over and nobody would be paged.
import { alertLinks, type Alert } from '../domain/alert';
import type { AlertOccurrence } from '../domain/incident';
import { alertsView } from '../domain/incident-view';

/** What the page's custom details show of the alerts (activities/page.ts lists 20). */
const PAGE_ALERTS = { alerts: 20, alertBytes: 64 * 1024 };

export interface PageAlerts {
  /** The most useful few: firing first, most recently changed first (domain/incident-view.ts). */
  alerts: Alert[];
  /** How many alerts the incident has in all. */
  alertCount: number;
  /** The runbook and dashboard of any alert, not only of the few sent. */
  alertLinks: { runbook: string | null; dashboard: string | null };
}

export function pageAlerts(occurrences: AlertOccurrence[]): PageAlerts {
  const view = alertsView(occurrences, PAGE_ALERTS);
  return {
    alerts: view.items.map((o) => o.alert),
    alertCount: view.total,
    alertLinks: alertLinks(occurrences.map((o) => o.alert)),
  };
}
