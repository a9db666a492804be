// The incident's ticket (Jira Cloud, Jira Data Center or GitHub Issues): optional steps, each safe to
// retry. Opening looks the incident's ticket up before creating one, so a retry after a crash or a lost
// answer finds the ticket instead of opening a second; comments carry a marker a retry finds; closing
// attaches the report's summary (once) and moves the ticket to done by a transition looked up by name.
// Before that, the report itself goes on the ticket, rendered here by the archive's renderers.
import { ApplicationFailure } from '@temporalio/common';
import { renderMarkdown, type IncidentReport } from '../domain/report';
import { renderHtml } from '../domain/report-html';
import type {
  AttachedReport,
  TicketContent,
  TicketRef,
  TicketTarget,
  TicketTracker,
} from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { callVendor, notConfigured } from './failures';

export interface OpenTicketInput {
  incidentId: string;
  service: string;
  severity: string;
  content: TicketContent;
}

export interface TicketCommentInput {
  incidentId: string;
  service: string;
  ticket: TicketRef;
  /** Unique per update of the incident, so a retried comment is found instead of repeated. */
  marker: string;
  content: TicketContent;
}

export interface TicketReportInput {
  service: string;
  ticket: TicketRef;
  /** The report at close; its renderings are made here, so the workflow's history carries it once. */
  report: IncidentReport;
}

export interface TicketNoteInput {
  service: string;
  dedupKey: string;
  pagerDutyIncidentId: string | null;
  ticket: TicketRef;
}

export function createTicketActivities(deps: ActivityDeps) {
  const trackerFor = (
    service: string,
    severity?: string,
  ): { tracker: TicketTracker; target: TicketTarget } => {
    const tickets = serviceConfig(deps, service).tickets;
    const tracker = tickets ? deps.trackers[tickets.tracker] : undefined;
    if (!tickets || !tracker) throw notConfigured(`no ticket tracker configured for service '${service}'`);
    if (tickets.tracker === 'github') return { tracker, target: { project: tickets.repo } };
    const priority = severity ? tickets.priorities[severity] : undefined;
    return {
      tracker,
      target: {
        project: tickets.project,
        issueType: tickets.issueType,
        doneTransitions: tickets.doneTransitions,
        ...(priority ? { priority } : {}),
      },
    };
  };

  /** Firebreak's own links (deps.publicUrl is the worker's to know, not the workflow's). */
  const withLinks = (content: TicketContent, incidentId: string): TicketContent => ({
    ...content,
    links: [
      ...content.links,
      { href: `${deps.publicUrl}/#/incidents/${incidentId}`, text: 'Firebreak dashboard' },
      { href: `${deps.publicUrl}/v1/incidents/${incidentId}/report`, text: 'Incident report' },
    ],
  });

  return {
    /** `created: false` when the lookup found the ticket a previous attempt opened. */
    async openTicket(input: OpenTicketInput): Promise<{ ticket: TicketRef; created: boolean }> {
      const { tracker, target } = trackerFor(input.service, input.severity);
      const found = await callVendor(() => tracker.findForIncident(target, input.incidentId));
      if (found) return { ticket: found, created: false };
      const content = withLinks(input.content, input.incidentId);
      const ticket = await callVendor(() => tracker.open(target, input.incidentId, content));
      return { ticket, created: true };
    },

    async commentOnTicket(input: TicketCommentInput): Promise<boolean> {
      const { tracker, target } = trackerFor(input.service);
      return callVendor(() => tracker.comment(target, input.ticket, input.marker, input.content));
    },

    /** The report's summary as a comment, then the transition to done. */
    async closeTicket(input: TicketCommentInput): Promise<{ alreadyDone: boolean; status: string }> {
      const { tracker, target } = trackerFor(input.service);
      const content = withLinks(input.content, input.incidentId);
      await callVendor(() => tracker.comment(target, input.ticket, input.marker, content));
      return callVendor(() => tracker.close(target, input.ticket));
    },

    /** The Markdown and HTML reports on the ticket, each once: `<incident id>-report.md` / `.html`. */
    async attachReportToTicket(input: TicketReportInput): Promise<AttachedReport> {
      const { tracker, target } = trackerFor(input.service);
      const { report } = input;
      const files = [
        { filename: `${report.id}-report.md`, mimeType: 'text/markdown', content: renderMarkdown(report) },
        { filename: `${report.id}-report.html`, mimeType: 'text/html', content: renderHtml(report) },
      ];
      const url = `${deps.publicUrl}/v1/incidents/${report.id}/report`;
      return callVendor(() =>
        tracker.attachReport(target, input.ticket, { incidentId: report.id, files, url }),
      );
    },

    /**
     * The ticket's link on the PagerDuty incident (the page went out before the ticket existed).
     * Null without PagerDuty REST access; false when a previous attempt already added it.
     */
    async noteTicketOnPage(input: TicketNoteInput): Promise<boolean | null> {
      const pager = deps.pager;
      const rest = deps.config.integrations.pagerduty;
      if (!pager || !rest?.apiToken || !rest.fromEmail || !serviceConfig(deps, input.service).pagerduty)
        return null;
      const incidentId =
        input.pagerDutyIncidentId ?? (await callVendor(() => pager.incidentByDedupKey(input.dedupKey)))?.id;
      if (!incidentId) {
        throw ApplicationFailure.retryable(
          `PagerDuty has no incident for ${input.dedupKey} yet`,
          'PagerDutyIncidentNotOpenYet',
        );
      }
      const notes = await callVendor(() => pager.notes(incidentId));
      if (notes.some((n) => n.content.includes(input.ticket.url))) return false;
      await callVendor(() =>
        pager.addNote(incidentId, `[Firebreak] Ticket ${input.ticket.key}: ${input.ticket.url}`),
      );
      return true;
    },
  };
}
