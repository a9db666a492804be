// The incident's report on its ticket at close, before the transition: the Markdown and HTML files on a
// Jira issue, the Markdown as a comment on a GitHub issue. Optional like every ticket step: a failure is
// a timeline entry and a follow-up. Attaching and closing share the ticket's one retry budget, so a
// Jira outage holds the close no longer than it did before there was an attachment.
import { patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import type { IncidentActivities } from '../activities';
import type { IncidentReport } from '../domain/report';
import type { TicketRef } from '../integrations/roles';
import type { StakeholderHost } from './stakeholders';

/** How long the ticket's close (attachment, summary, transition) may keep retrying a failing tracker. */
const CLOSE_BUDGET_MS = 5 * 60_000;
/** The attachment's share: the transition, which matters more, keeps at least the rest. */
const ATTACH_BUDGET_MS = 2 * 60_000;
/**
 * The report travels to the activity as one Temporal payload (limit 2 MB). The timeline budget keeps it
 * near 0.6 MB at its 2,000 entries; a report that still grew past this is linked, not attached.
 */
export const MAX_REPORT_PAYLOAD_CHARS = 1_500_000;

const TICKET_CALL: ActivityOptions = {
  // An upload of a large report takes longer than a comment; the client's own timeout is 10 s.
  startToCloseTimeout: '20 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

const attaching = proxyActivities<IncidentActivities>({
  ...TICKET_CALL,
  scheduleToCloseTimeout: ATTACH_BUDGET_MS,
});

/** The close's activities with what is left of the budget once `spentMs` went to the attachment. */
export function ticketClosing(spentMs: number): IncidentActivities {
  return proxyActivities<IncidentActivities>({
    ...TICKET_CALL,
    scheduleToCloseTimeout: Math.max(CLOSE_BUDGET_MS - spentMs, CLOSE_BUDGET_MS - ATTACH_BUDGET_MS),
  });
}

/** Attaches the report (files already there are left as they are) and says so on the timeline. */
export async function attachReportToTicket(
  host: StakeholderHost,
  ticket: TicketRef,
  report: IncidentReport,
): Promise<void> {
  // An incident that was already closing when this step shipped replays its history without it.
  if (!patched('ticket-report-attachment')) return;
  const size = JSON.stringify(report).length;
  if (size > MAX_REPORT_PAYLOAD_CHARS) {
    const why = `${size} characters is past the ${MAX_REPORT_PAYLOAD_CHARS} an activity payload may carry; the summary comment links it`;
    host.fail('ticket-report-failed', `the report was not attached to ticket ${ticket.key}`, why);
    return;
  }
  try {
    const result = await attaching.attachReportToTicket({ service: report.service, ticket, report });
    const files = [...result.attached, ...result.present];
    if (files.length === 0) return;
    const how =
      result.attached.length === 0
        ? `was already on ticket ${ticket.key}`
        : result.as === 'comment'
          ? `added to ticket ${ticket.key} as a comment (the tracker has no attachments)`
          : `attached to ticket ${ticket.key}`;
    host.record('ticket-report-attached', `report ${how}: ${files.join(', ')}`, {
      key: ticket.key,
      files,
      as: result.as,
    });
  } catch (error) {
    host.fail('ticket-report-failed', `the report could not be attached to ticket ${ticket.key}`, error);
  }
}
