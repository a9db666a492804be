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
import { ActionRejection, type ActionOutcome, type ActionRequest } from '../domain/actions';
import type { AlertBatch } from '../domain/alert';
import { incidentIdFor, isIncidentId, workflowIdForGroup } from '../domain/ids';
import type { IncidentState, IncidentStatus, IncidentSummary } from '../domain/incident';
import { buildReport, renderMarkdown, type IncidentReport } from '../domain/report';
import * as attributes from '../domain/search-attributes';
import type { ReportArchive } from '../integrations/report-archive';
import { actionUpdate, alertsSignal, stateQuery } from '../workflows/messages';
import { signalWithStart } from './temporal/signal-with-start';
import type { FirebreakConfig } from '../config/schema';
import { DEFAULT_POLICY, type IncidentPolicy } from '../domain/policy';
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

export class IncidentService {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly archive: ReportArchive,
    /** The service's policy as it is now; a starting incident keeps it for its whole life. */
    private readonly policyFor: (service: string) => IncidentPolicy,
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
    const input: IncidentInput = { group, service, policy: this.policyFor(service) };
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

  /** The live state of an open incident, or the last state of a closed one; null if unknown. */
  async get(id: string): Promise<IncidentState | null> {
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

  /** The archived report of a closed incident, or a live draft of an open one. */
  async report(id: string): Promise<{ report: IncidentReport; markdown: string } | null> {
    const archived = await this.archive.load(id);
    if (archived) return archived;
    const state = await this.get(id);
    if (!state) return null;
    const report = buildReport(state, new Date().toISOString());
    return { report, markdown: renderMarkdown(report) };
  }

  private async find(id: string): Promise<WorkflowExecutionInfo | null> {
    if (!isIncidentId(id)) return null;
    const query = `${attributes.INCIDENT_ID.name} = '${escapeQuery(id)}'`;
    for await (const execution of this.client.workflow.list({ query, pageSize: 1 })) return execution;
    return null;
  }
}

/** Reads each service's incident policy from the configuration. */
export function incidentPolicies(config: FirebreakConfig): (service: string) => IncidentPolicy {
  return (service) => ({
    pageSeverities: config.services[service]?.policy.pageSeverities ?? [...DEFAULT_POLICY.pageSeverities],
    flapWindowMs: config.intake.flapWindowSeconds * 1000,
  });
}

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
    const kind = cause.type === 'ActionRejected.conflict' ? 'conflict' : 'invalid';
    return new ActionRejection(kind, cause.message);
  }
  return new ActionRejection('conflict', cause?.message ?? error.message);
}

function escapeQuery(value: string): string {
  return value.replace(/['\\]/g, '');
}
