// Firebreak as a Temporal client: alert batches start or join incident workflows (signal-with-start),
// and incidents are listed, read, acted on and reported. The API and the dashboard use this; the CLI
// goes through the API so that every channel shares one validation and one authorization.
import { randomUUID } from 'node:crypto';
import {
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
  type WorkflowExecutionInfo,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  ActionRejection,
  type ActionOutcome,
  type ActionRequest,
  type RejectionKind,
} from '../domain/actions';
import type { AlertBatch } from '../domain/alert';
import { incidentIdFor, isIncidentId, splitIncidentId, workflowIdForGroup } from '../domain/ids';
import type { IncidentStatus, IncidentSummary } from '../domain/incident';
import type { IncidentView } from '../domain/incident-view';
import type { PagerDutyDelivery } from '../domain/pagerduty-events';
import { buildReport, renderMarkdown, type IncidentReport } from '../domain/report';
import { renderHtml } from '../domain/report-html';
import * as attributes from '../domain/search-attributes';
import type { ReportArchive } from '../integrations/report-archive';
import {
  actionUpdate,
  alertsSignal,
  caughtUpUpdate,
  pagerDutySignal,
  stateQuery,
} from '../workflows/messages';
import { signalWithStart } from './temporal/signal-with-start';
import type { IncidentInput } from '../workflows/incident';

export interface IntakeResult {
  id: string;
  /** `triggered` for a new incident; `open` when the alerts joined a running one (see GET /v1/incidents/{id}). */
  status: 'triggered' | 'open';
  /** Whether this delivery opened the incident. */
  new: boolean;
}

export interface IncidentFilter {
  status?: 'open' | 'closed';
  service?: string;
}

/** Which incident a PagerDuty webhook concerns: ours by incident key, or PagerDuty's by id. */
export interface PagerDutyRoute {
  incidentKey: string | null;
  pagerDutyIncidentId: string | null;
}

export type PagerDutyDeliveryOutcome =
  | { delivered: true; incidentId: string }
  | { delivered: false; reason: 'unknown incident' | 'incident closed' };

/** Longer than the server's workflow task timeout (10 s): by then a task open before the wait has ended. */
const CAUGHT_UP_WAIT_MS = 15_000;

export class IncidentService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly archive: ReportArchive,
  ) {}

  static newDeliveryId(): string {
    return randomUUID();
  }

  /**
   * Durably hands a batch to its group's incident (signal-with-start): when this returns, the alerts are
   * safe in Temporal. One round trip, no worker needed, so a storm is bounded by the server alone.
   */
  async ingest(group: string, service: string, batch: AlertBatch): Promise<IntakeResult> {
    const workflowId = workflowIdForGroup(group);
    const input: IncidentInput = { group, service };
    const { runId, started } = await signalWithStart(this.client, {
      workflowId,
      workflowType: 'incidentWorkflow',
      taskQueue: this.taskQueue,
      args: [input],
      signalName: alertsSignal.name,
      signalArgs: [batch],
    });
    return { id: incidentIdFor(workflowId, runId), status: started ? 'triggered' : 'open', new: started };
  }

  /**
   * Waits until the group's incident has taken what was handed to it (workflows/messages.ts, caughtUpUpdate),
   * at most CAUGHT_UP_WAIT_MS. Never fails: a closed incident buffers nothing, and an incident that cannot
   * answer (no worker, or an old one) has no task open that long, since the server times tasks out at 10 s.
   */
  async caughtUp(group: string): Promise<void> {
    const handle = this.client.workflow.getHandle(workflowIdForGroup(group));
    try {
      await this.client.withDeadline(Date.now() + CAUGHT_UP_WAIT_MS, () =>
        handle.executeUpdate(caughtUpUpdate),
      );
    } catch {
      // As above: whatever the reason, nothing of this group is buffered past the wait.
    }
  }

  async list(filter: IncidentFilter = {}): Promise<IncidentSummary[]> {
    const clauses = [`${attributes.INCIDENT_ID.name} IS NOT NULL`];
    if (filter.status === 'open') clauses.push(`ExecutionStatus = 'Running'`);
    if (filter.status === 'closed') clauses.push(`ExecutionStatus != 'Running'`);
    if (filter.service) clauses.push(`${attributes.SERVICE.name} = '${escapeQuery(filter.service)}'`);
    const summaries: IncidentSummary[] = [];
    for await (const execution of this.client.workflow.list({
      query: clauses.join(' AND '),
      pageSize: 100,
    })) {
      summaries.push(toSummary(execution));
      if (summaries.length >= 500) break;
    }
    return summaries;
  }

  /**
   * The live state of an open incident, or the last state of a closed one; null if unknown. Its alerts
   * are a bounded selection with exact counts (`alerts.total`, …): see domain/incident-view.ts.
   */
  async get(id: string): Promise<IncidentView | null> {
    const execution = await this.find(id);
    if (execution) {
      try {
        return await this.client.workflow.getHandle(execution.workflowId, execution.runId).query(stateQuery);
      } catch (error) {
        if (!(error instanceof WorkflowNotFoundError)) throw error;
      }
    }
    return null;
  }

  /** Runs a responder action through the workflow's Update; ActionRejection when it is refused. */
  async act(id: string, request: ActionRequest): Promise<ActionOutcome> {
    const execution = await this.find(id);
    if (!execution) throw new ActionRejection('invalid', `no incident ${id}`);
    if (execution.status.name !== 'RUNNING')
      throw new ActionRejection('conflict', `incident ${id} is closed`);
    const handle = this.client.workflow.getHandle(execution.workflowId, execution.runId);
    try {
      return await handle.executeUpdate(actionUpdate, { args: [request] });
    } catch (error) {
      throw toRejection(error);
    }
  }

  /** Hands a PagerDuty webhook to its incident (a durable signal); not delivered when the incident is unknown or closed. */
  async deliverPagerDutyEvent(
    route: PagerDutyRoute,
    delivery: PagerDutyDelivery,
  ): Promise<PagerDutyDeliveryOutcome> {
    const execution = await this.findForPagerDuty(route);
    if (!execution) return { delivered: false, reason: 'unknown incident' };
    if (execution.status.name !== 'RUNNING') return { delivered: false, reason: 'incident closed' };
    try {
      await this.client.workflow
        .getHandle(execution.workflowId, execution.runId)
        .signal(pagerDutySignal, delivery);
    } catch (error) {
      // Closed between the lookup and the signal.
      if (error instanceof WorkflowNotFoundError) return { delivered: false, reason: 'incident closed' };
      throw error;
    }
    return { delivered: true, incidentId: incidentIdFor(execution.workflowId, execution.runId) };
  }

  /** The archived report of a closed incident, or a live draft of an open one. */
  async report(id: string): Promise<{ report: IncidentReport; markdown: string; html: string } | null> {
    const archived = await this.archive.load(id);
    if (archived) return { ...archived, html: archived.html ?? renderHtml(archived.report) };
    const state = await this.get(id);
    if (!state) return null;
    const report = buildReport(state, new Date().toISOString());
    return { report, markdown: renderMarkdown(report), html: renderHtml(report) };
  }

  /** The archive, for stats and metrics over closed incidents. */
  get reports(): ReportArchive {
    return this.archive;
  }

  /**
   * The run behind an incident id. The group's current run is asked directly, because a just-opened
   * incident is not in the visibility index until its first workflow task; earlier runs come from it.
   */
  private async find(id: string): Promise<IncidentRun | null> {
    if (!isIncidentId(id)) return null;
    const current = await this.currentRun(id);
    return current ?? this.first(`${attributes.INCIDENT_ID.name} = '${escapeQuery(id)}'`);
  }

  private async currentRun(id: string): Promise<IncidentRun | null> {
    const { group, runPrefix } = splitIncidentId(id);
    try {
      const execution = await this.client.workflow.getHandle(workflowIdForGroup(group)).describe();
      return execution.runId.replace(/-/g, '').startsWith(runPrefix) ? execution : null;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return null;
      throw error;
    }
  }

  /** The incident key is Firebreak's incident id when Firebreak paged; otherwise PagerDuty's id is known after paging. */
  private async findForPagerDuty(route: PagerDutyRoute): Promise<IncidentRun | null> {
    const byKey = route.incidentKey ? await this.find(route.incidentKey) : null;
    if (byKey || !route.pagerDutyIncidentId) return byKey;
    return this.first(`${attributes.PAGERDUTY_INCIDENT.name} = '${escapeQuery(route.pagerDutyIncidentId)}'`);
  }

  private async first(query: string): Promise<WorkflowExecutionInfo | null> {
    for await (const execution of this.client.workflow.list({ query, pageSize: 1 })) return execution;
    return null;
  }
}

/** What acting on an incident needs to know of its run. */
type IncidentRun = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status'>;

function toSummary(execution: WorkflowExecutionInfo): IncidentSummary {
  const get = (key: typeof attributes.INCIDENT_ID): string =>
    String(execution.typedSearchAttributes.get(key) ?? '');
  const running = execution.status.name === 'RUNNING';
  const status = get(attributes.STATUS) as IncidentStatus;
  return {
    id: get(attributes.INCIDENT_ID),
    service: get(attributes.SERVICE),
    severity: get(attributes.SEVERITY),
    title: '',
    status: running ? status : 'closed',
    detected: execution.startTime.toISOString(),
    resolved: execution.closeTime?.toISOString() ?? null,
  };
}

function toRejection(error: unknown): unknown {
  if (!(error instanceof WorkflowUpdateFailedError)) return error;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure && cause.type?.startsWith('ActionRejected.')) {
    const details = cause.details?.[0];
    const extra = details && typeof details === 'object' ? (details as Record<string, unknown>) : undefined;
    return new ActionRejection(rejectionKind(cause.type), cause.message, extra);
  }
  return new ActionRejection('conflict', cause?.message ?? error.message);
}

function rejectionKind(type: string): RejectionKind {
  if (type === 'ActionRejected.conflict') return 'conflict';
  if (type === 'ActionRejected.forbidden') return 'forbidden';
  return 'invalid';
}

function escapeQuery(value: string): string {
  return value.replace(/['\\]/g, '');
}
