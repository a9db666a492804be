// Deploy freezes as a Temporal client sees them: one freeze workflow per frozen service (workflows/freeze.ts),
// read through its query, lifted through its signal. The API's `GET /v1/freeze` and `firebreak freeze`
// use this; CI asks for one service, which is read directly (no visibility lag).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import {
  freezeWorkflowId,
  serviceOfFreezeWorkflow,
  type FreezeKind,
  type FreezeState,
} from '../domain/freeze';
import { freezeStateQuery, liftSignal } from '../workflows/freeze-messages';

/** One hold on one service, as `GET /v1/freeze` lists it. */
export interface FreezeEntry {
  service: string;
  /** The incident that holds the freeze; null when no worker could say. */
  incident: string | null;
  kind: FreezeKind | null;
  since: string;
  reason: string;
  /** The GitHub issue CI sees, while it is open. */
  issue: string | null;
}

export interface FreezeAnswer {
  frozen: boolean;
  services: FreezeEntry[];
}

/** How long a freeze's own answer is awaited before the entry is built from what Temporal knows. */
const QUERY_TIMEOUT_MS = 5000;

export class FreezeService {
  constructor(private readonly client: Client) {}

  async status(service?: string): Promise<FreezeAnswer> {
    const services = service ? [service] : await this.frozenServices();
    const entries = (await Promise.all(services.map((s) => this.entriesOf(s)))).flat();
    return { frozen: entries.length > 0, services: entries };
  }

  /** Lifts every hold on the service; false when it was not frozen. */
  async lift(service: string, by: string, reason: string): Promise<boolean> {
    const handle = this.client.workflow.getHandle(freezeWorkflowId(service));
    try {
      const described = await handle.describe();
      if (described.status.name !== 'RUNNING') return false;
      await handle.signal(liftSignal, { by, reason });
      return true;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return false;
      throw error;
    }
  }

  private async frozenServices(): Promise<string[]> {
    const services: string[] = [];
    const query = `WorkflowType = 'freezeWorkflow' AND ExecutionStatus = 'Running'`;
    for await (const execution of this.client.workflow.list({ query, pageSize: 100 })) {
      const service = serviceOfFreezeWorkflow(execution.workflowId);
      if (service) services.push(service);
    }
    return services;
  }

  private async entriesOf(service: string): Promise<FreezeEntry[]> {
    const handle = this.client.workflow.getHandle(freezeWorkflowId(service));
    let startedAt: Date;
    try {
      const described = await handle.describe();
      if (described.status.name !== 'RUNNING') return [];
      startedAt = described.startTime;
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return [];
      throw error;
    }
    // A deadline on the call itself (not a timer beside it): no query is left in flight afterwards.
    const state = await this.client
      .withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(freezeStateQuery))
      .catch(() => null);
    // Running but unanswered (no worker right now): frozen, say so rather than guess "not frozen".
    if (!state) return [unknownHold(service, startedAt)];
    return entriesFrom(state);
  }
}

function entriesFrom(state: FreezeState): FreezeEntry[] {
  return state.holds.map((hold) => ({
    service: state.service,
    incident: hold.incidentId,
    kind: hold.kind,
    since: hold.since,
    reason: hold.reason,
    issue: state.flag?.url ?? null,
  }));
}

function unknownHold(service: string, since: Date): FreezeEntry {
  return {
    service,
    incident: null,
    kind: null,
    since: since.toISOString(),
    reason: 'frozen (no worker answered with the details)',
    issue: null,
  };
}
