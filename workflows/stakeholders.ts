// Everyone outside the response: stakeholder notifications routed by milestone and severity, and the
// incident's ticket (opened at the start or at the first action, a comment per milestone, closed with
// the report attached and its summary). All of it is optional: it runs in the incident's background,
// never waits in front of paging, a rollback or resolution, and a final failure is a timeline entry and
// a follow-up.
// Ticket steps run one after another (a comment needs its ticket; comments keep milestone order).
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { IncidentActivities } from '../activities';
import type { StakeholderSettings } from '../activities/stakeholder-settings';
import type { Actor, ActionName } from '../domain/actions';
import { alertLinks } from '../domain/alert';
import type { IncidentState } from '../domain/incident';
import { DEFAULT_AUDIENCE, routeMilestone, type Delivery } from '../domain/notify-routing';
import type { IncidentReport } from '../domain/report';
import {
  closingSummary,
  stakeholderFacts,
  ticketDescription,
  ticketTitle,
} from '../domain/stakeholder-update';
import type { PageLink, StakeholderMessage, TicketContent, TicketRef } from '../integrations/roles';
import { attachReportToTicket, ticketClosing } from './ticket-report';

/** What the incident lends this module: its state, its timeline, its background. */
export interface StakeholderHost {
  readonly state: IncidentState;
  readonly dedupKey: string;
  record(kind: string, message: string, data?: Record<string, unknown>): void;
  /** A timeline entry and a follow-up in the report. */
  fail(kind: string, message: string, error: unknown): void;
  /** Runs beside the critical path; the incident waits for it only when closing. */
  inBackground(what: string, step: () => Promise<void>): void;
}

const settingsRead = proxyLocalActivities<IncidentActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3 },
});
/**
 * Slack and SMTP calls time out after 10 s, well inside 20 s, so a killed worker's send is retried
 * elsewhere 20 s later. Six tries over about a minute, each after Slack's Retry-After when it sent one.
 */
const stakeholderUpdates = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
});
/** A Jira outage gets five minutes of retries; the incident closes after that regardless. */
const ticketing = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/** Milestones that count as the first action for `openOn: first-action`. */
const ACTION_MILESTONES = ['acknowledged', 'action-chosen'];
const NO_SETTINGS: StakeholderSettings = { routing: { audiences: [] }, tickets: null };

export class Stakeholders {
  private settingsPromise: Promise<StakeholderSettings> | null = null;
  private ticketQueue: Promise<void> = Promise.resolve();
  private ticketAbandoned = false;
  /** A person (not the engine) acted: in `first-action` mode the ticket opens at the next milestone. */
  private personActed = false;
  private updates = 0;

  constructor(private readonly host: StakeholderHost) {}

  /**
   * A milestone: stakeholders who asked for it hear about it, and the ticket gets a comment (or opens).
   * The message is built now, from the state as it is now, so a retry re-sends exactly this update.
   */
  milestone(milestone: string, headline: string): void {
    this.updates += 1;
    const state = this.host.state;
    const message: StakeholderMessage = {
      incidentId: state.id,
      milestone,
      updateId: `${milestone}-${this.updates}`,
      headline,
      severity: state.severity,
      service: state.service,
      status: state.status,
      facts: stakeholderFacts(state, milestone),
      links: this.links(),
    };
    this.host.inBackground(`stakeholder update ${milestone}`, () => this.deliver(message));
    const opening: TicketContent = {
      title: ticketTitle(state),
      lines: ticketDescription(state),
      links: this.links(),
    };
    this.enqueueTicketStep(() => this.updateTicket(message, opening));
  }

  /** A responder action that passed validation: its milestone, and for a person the first-action trigger. */
  actionTaken(actor: Actor, action: ActionName, outcome: string): void {
    if (action === 'note') return;
    if (actor.channel !== 'workflow') this.personActed = true;
    const service = this.host.state.service;
    if (action === 'acknowledge') this.milestone('acknowledged', `${service}: acknowledged by ${actor.by}`);
    // escalate and resolve have milestones of their own, sent when they happen.
    else if (action !== 'escalate' && action !== 'resolve')
      this.milestone('action-chosen', `${service}: ${actor.by} chose to ${action}: ${outcome}`);
  }

  /** At close, after the other steps drained: the report and its summary on the ticket, then done. */
  async closeTicket(report: IncidentReport): Promise<void> {
    await this.ticketQueue;
    const ticket = this.host.state.ticket;
    if (!ticket) return;
    const content: TicketContent = {
      title: `Incident closed: ${report.id}`,
      lines: closingSummary(report),
      links: [],
    };
    const started = Date.now();
    await attachReportToTicket(this.host, ticket, report);
    try {
      const closed = await ticketClosing(Date.now() - started).closeTicket({
        incidentId: report.id,
        service: report.service,
        ticket,
        marker: updateMarker(report.id, 'closed'),
        content,
      });
      const how = closed.alreadyDone ? `was already ${closed.status}` : `moved to ${closed.status}`;
      this.host.record('ticket-closed', `ticket ${ticket.key} ${how}, with the report's summary`, {
        ...ticket,
      });
    } catch (error) {
      this.host.fail('ticket-close-failed', `ticket ${ticket.key} could not be closed`, error);
    }
  }

  // ---------- notifications ----------

  private async deliver(message: StakeholderMessage): Promise<void> {
    const { routing } = await this.settings();
    const deliveries = routeMilestone(routing, message.milestone, message.severity);
    await Promise.all(deliveries.map((delivery) => this.send(delivery, message)));
  }

  private async send(delivery: Delivery, message: StakeholderMessage): Promise<void> {
    const input = { service: message.service, message, audience: delivery.audience };
    const label = `${delivery.channel === 'slack' ? 'Slack' : 'email'}${delivery.audience === DEFAULT_AUDIENCE ? '' : ` (${delivery.audience})`}`;
    try {
      const sent =
        delivery.channel === 'slack'
          ? await stakeholderUpdates.notifySlack(input)
          : await stakeholderUpdates.notifyEmail(input);
      if (sent)
        this.host.record('notified', `${label}: ${message.milestone}`, {
          ...delivery,
          update: message.updateId,
        });
    } catch (error) {
      this.host.fail('notify-failed', `${label} was not told '${message.headline}'`, error);
    }
  }

  // ---------- the ticket ----------

  /** Each step waits for the one before; none rejects, so one failure never stops the queue. */
  private enqueueTicketStep(step: () => Promise<void>): void {
    const run = this.ticketQueue.then(step);
    this.ticketQueue = run;
    this.host.inBackground('ticket', () => run);
  }

  private async updateTicket(message: StakeholderMessage, opening: TicketContent): Promise<void> {
    const { tickets } = await this.settings();
    if (!tickets || this.ticketAbandoned) return;
    const state = this.host.state;
    if (!state.ticket) {
      const opensNow =
        tickets.openOn === 'opened' || this.personActed || ACTION_MILESTONES.includes(message.milestone);
      if (!opensNow) return;
      await this.openTicket(tickets.tracker, message.severity, opening);
      // The description already says what this milestone would.
      return;
    }
    await this.comment(state.ticket, message);
  }

  private async openTicket(tracker: string, severity: string, content: TicketContent): Promise<void> {
    const state = this.host.state;
    try {
      const { ticket, created } = await ticketing.openTicket({
        incidentId: state.id,
        service: state.service,
        severity,
        content,
      });
      state.ticket = { tracker, ...ticket };
      const how = created ? 'opened' : 'found (opened by an earlier attempt)';
      this.host.record('ticket-opened', `ticket ${ticket.key} ${how}: ${ticket.url}`, { tracker, ...ticket });
      this.linkTicketOnPage(ticket);
    } catch (error) {
      this.ticketAbandoned = true;
      this.host.fail('ticket-failed', `the incident's ticket could not be opened in ${tracker}`, error);
    }
  }

  private async comment(ticket: TicketRef, message: StakeholderMessage): Promise<void> {
    try {
      const added = await ticketing.commentOnTicket({
        incidentId: message.incidentId,
        service: message.service,
        ticket,
        marker: updateMarker(message.incidentId, message.updateId ?? message.milestone),
        content: { title: message.headline, lines: message.facts, links: [] },
      });
      if (added)
        this.host.record('ticket-updated', `ticket ${ticket.key}: ${message.milestone}`, { key: ticket.key });
    } catch (error) {
      this.host.fail(
        'ticket-update-failed',
        `ticket ${ticket.key} did not get the '${message.milestone}' update`,
        error,
      );
    }
  }

  /** The page went out before the ticket existed: its link follows as a note on the PagerDuty incident. */
  private linkTicketOnPage(ticket: TicketRef): void {
    const state = this.host.state;
    if (!state.times.paged) return;
    this.host.inBackground('ticket link on the page', async () => {
      try {
        const added = await ticketing.noteTicketOnPage({
          service: state.service,
          dedupKey: this.host.dedupKey,
          pagerDutyIncidentId: state.pagerDuty.incidentId,
          ticket,
        });
        if (added) this.host.record('ticket-linked', `ticket ${ticket.key} linked on the PagerDuty incident`);
      } catch (error) {
        this.host.fail(
          'ticket-link-failed',
          `ticket ${ticket.key} could not be linked on the PagerDuty incident`,
          error,
        );
      }
    });
  }

  /** Reads the notification and ticket settings now (a failure is recorded once, as when read later). */
  async loadSettings(): Promise<void> {
    await this.settings();
  }

  // ---------- helpers ----------

  private settings(): Promise<StakeholderSettings> {
    this.settingsPromise ??= settingsRead
      .readStakeholderSettings({ service: this.host.state.service })
      .catch((error: unknown) => {
        this.host.fail(
          'stakeholders-unknown',
          "the service's notification and ticket settings could not be read",
          error,
        );
        return NO_SETTINGS;
      });
    return this.settingsPromise;
  }

  /** The alert's runbook and dashboard, and the ticket once there is one (Firebreak's own links are added by the activity). */
  private links(): PageLink[] {
    const state = this.host.state;
    const alert = alertLinks(state.alerts.map((o) => o.alert));
    return [
      ...(state.ticket ? [{ href: state.ticket.url, text: `Ticket ${state.ticket.key}` }] : []),
      ...(alert.dashboard ? [{ href: alert.dashboard, text: 'Monitoring dashboard' }] : []),
      ...(alert.runbook ? [{ href: alert.runbook, text: 'Runbook' }] : []),
    ];
  }
}

/** Visible in the comment, so a reader can tell updates apart, and unique, so a retry finds it. */
function updateMarker(incidentId: string, updateId: string): string {
  return `Firebreak update ${incidentId}/${updateId}`;
}
