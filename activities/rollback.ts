// The rollback and the hotfix: one Jenkins build per decision, followed from queue to result.
// Safe to retry and to resume on another worker: every trigger carries the decision's REQUEST_ID,
// an attempt first looks for a build or queue item with that id, and progress is heartbeated.
// Cancelled (the incident or the step), it aborts what it started: the queue item or the build.
import { activityInfo, CancelledFailure, Context } from '@temporalio/activity';
import type { BuildResult, DeployTool, JobPath } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { callVendor, notConfigured } from './failures';

export interface RollbackInput {
  incidentId: string;
  service: string;
  targetSha: string;
  /** Derived from the incident and the action: the same decision always carries the same id. */
  requestId: string;
}

export interface RollbackResult {
  queueId: number;
  buildNumber?: number;
  buildUrl?: string;
  result: BuildResult | 'CANCELLED';
  consoleTail?: string;
}

/** What a heartbeat remembers, so a retried attempt resumes instead of triggering again. */
interface RollbackProgress {
  queueId?: number;
  buildNumber?: number;
}

export const REQUEST_ID_PARAMETER = 'REQUEST_ID';
const CONSOLE_TAIL_BYTES = 4000;

export function createRollbackActivities(deps: ActivityDeps) {
  const jenkinsOf = (service: string) => {
    const jenkins = serviceConfig(deps, service).jenkins;
    if (!jenkins || !deps.deployTool)
      throw notConfigured(`no Jenkins rollback job configured for '${service}'`);
    return { jenkins, tool: deps.deployTool };
  };
  return {
    async runRollback(input: RollbackInput): Promise<RollbackResult> {
      const { jenkins, tool } = jenkinsOf(input.service);
      return runBuild(
        new BuildFollower(tool, jenkins.rollbackJob, deps.jenkinsPollMs),
        input,
        jenkins.shaParameter,
      );
    },

    /** The service's hotfix job: the fast path, with the same parameters and the same one-build guarantee. */
    async runHotfix(input: RollbackInput): Promise<RollbackResult> {
      const { jenkins, tool } = jenkinsOf(input.service);
      const hotfix = serviceConfig(deps, input.service).hotfix;
      if (!hotfix) throw notConfigured(`no hotfix job configured for '${input.service}'`);
      return runBuild(new BuildFollower(tool, hotfix.job, deps.jenkinsPollMs), input, jenkins.shaParameter);
    },
  };
}

async function runBuild(
  follower: BuildFollower,
  input: RollbackInput,
  shaParameter: string,
): Promise<RollbackResult> {
  const progress = await follower.findOrTrigger(input, shaParameter);
  try {
    return await follower.follow(progress);
  } catch (error) {
    if (!(error instanceof CancelledFailure)) throw error;
    // Nobody wants this build any more: abort it, so it does not deploy behind the responder's back.
    await follower.abort();
    throw error;
  }
}

class BuildFollower {
  /** The latest progress, for abort(). */
  private progress: RollbackProgress = {};

  constructor(
    private readonly jenkins: DeployTool,
    private readonly job: JobPath,
    private readonly pollMs: number,
  ) {}

  /** Resumes from the last heartbeat, or finds this decision's build or queue item, or triggers it. */
  async findOrTrigger(input: RollbackInput, shaParameter: string): Promise<RollbackProgress> {
    const saved = activityInfo().heartbeatDetails as RollbackProgress | undefined;
    if (saved?.buildNumber || saved?.queueId) return this.beat(saved);
    const build = await callVendor(() =>
      this.jenkins.findBuildByParameter(this.job, REQUEST_ID_PARAMETER, input.requestId),
    );
    if (build)
      return this.beat({ buildNumber: build.number, ...(build.queueId ? { queueId: build.queueId } : {}) });
    const queued = await callVendor(() =>
      this.jenkins.findQueuedByParameter(this.job, REQUEST_ID_PARAMETER, input.requestId),
    );
    if (queued) return this.beat({ queueId: queued.queueId });
    const triggered = await callVendor(() =>
      this.jenkins.triggerBuild(this.job, {
        [shaParameter]: input.targetSha,
        [REQUEST_ID_PARAMETER]: input.requestId,
        INCIDENT_ID: input.incidentId,
      }),
    );
    return this.beat({ queueId: triggered.queueId });
  }

  async follow(progress: RollbackProgress): Promise<RollbackResult> {
    const queueId = progress.queueId ?? 0;
    const buildNumber = progress.buildNumber ?? (await this.waitForBuild(queueId));
    if (buildNumber === null) return { queueId, result: 'CANCELLED' };
    for (;;) {
      const build = await callVendor(() => this.jenkins.build(this.job, buildNumber));
      this.beat({ queueId, buildNumber });
      if (!build.building && build.result) {
        const tail =
          build.result === 'SUCCESS'
            ? undefined
            : await callVendor(() => this.jenkins.consoleTail(this.job, buildNumber, CONSOLE_TAIL_BYTES));
        return {
          queueId,
          buildNumber,
          buildUrl: build.url,
          result: build.result,
          ...(tail ? { consoleTail: tail } : {}),
        };
      }
      await Context.current().sleep(this.pollMs);
    }
  }

  /** Stops the build, or cancels the queue item before it becomes one (the build may then still start: stop it too). */
  async abort(): Promise<void> {
    const { queueId, buildNumber } = this.progress;
    if (buildNumber) {
      await callVendor(() => this.jenkins.stopBuild(this.job, buildNumber));
      return;
    }
    if (!queueId) return;
    await callVendor(() => this.jenkins.cancelQueueItem(queueId));
    const item = await callVendor(() => this.jenkins.queueItem(queueId));
    if (item?.build) await callVendor(() => this.jenkins.stopBuild(this.job, item.build?.number ?? 0));
  }

  /** Polls the queue item until Jenkins assigns a build; null when the item was cancelled. */
  private async waitForBuild(queueId: number): Promise<number | null> {
    for (;;) {
      const item = await callVendor(() => this.jenkins.queueItem(queueId));
      if (item?.cancelled) return null;
      if (item?.build) return this.beat({ queueId, buildNumber: item.build.number }).buildNumber ?? null;
      if (item === null) {
        // Jenkins purges left queue items after ~5 minutes: find the build by its queue id instead.
        const build = await callVendor(() => this.jenkins.findBuildByQueueId(this.job, queueId));
        if (build) return this.beat({ queueId, buildNumber: build.number }).buildNumber ?? null;
      }
      this.beat({ queueId });
      await Context.current().sleep(this.pollMs);
    }
  }

  private beat(progress: RollbackProgress): RollbackProgress {
    this.progress = progress;
    Context.current().heartbeat(progress);
    return progress;
  }
}
