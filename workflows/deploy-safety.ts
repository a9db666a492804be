// The incident's rollback safety, deploy freeze and hotfix path, kept out of incident.ts: it runs the
// safety checks before a rollback is accepted (and hands their warnings back to the actor), places and
// lifts the freeze, runs the hotfix job, verifies that monitoring recovers after a rollback, and re-pages
// when a mitigation fails. It works on the incident through the small host interface below.
import {
  ApplicationFailure,
  condition,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
} from '@temporalio/workflow';
import type { IncidentActivities } from '../activities';
import type { CommitLookup } from '../activities/deploy-safety';
import { sameCommit, type Actor, type ResponderAction } from '../domain/actions';
import { short, type DeployRef } from '../domain/enrichment';
import type { DeploySafetySettings, FreezeKind } from '../domain/freeze';
import type { IncidentState, IncidentStatus, RollbackRecord, TimelineEntry } from '../domain/incident';
import {
  checkRollbackSafety,
  describeVerdict,
  type RollbackTargetFacts,
  type SafetyVerdict,
} from '../domain/rollback-safety';
import { formatDuration } from '../domain/timings';
import { JENKINS_BUILD, OPTIONAL_STEP } from './activity-options';
import { liftFreezeHolds, placeFreezeHold } from './deploy-freeze';

/** What DeploySafety needs of the incident. */
export interface IncidentHost {
  readonly state: IncidentState;
  record(
    kind: string,
    message: string,
    actor: Actor,
    options?: { at?: string; data?: Record<string, unknown> } & Partial<Pick<TimelineEntry, 'timeSource'>>,
  ): void;
  fail(kind: string, message: string, error: unknown): void;
  notify(milestone: string, headline: string): void;
  setStatus(status: IncidentStatus): void;
  inBackground(what: string, step: () => Promise<void>): void;
}

/** An action that passed the checks: possibly with the target resolved to its full SHA, and warnings. */
export interface CheckedAction {
  request: ResponderAction;
  warnings: string[];
}

const ENGINE: Actor = { by: 'firebreak', channel: 'workflow' };

const settingsRead = proxyLocalActivities<IncidentActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3 },
});
/** A responder is waiting for the checks (an API call): a few quick tries, then the check says it could not tell. */
const safetyReads = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});
/** The hotfix build, like the rollback build; cancelled, it waits for the activity to abort the build. */
const hotfixBuild = proxyActivities<IncidentActivities>(JENKINS_BUILD);
/** Re-paging and page notes: important, but never worth holding the incident up. */
const pageUpdates = proxyActivities<IncidentActivities>(OPTIONAL_STEP);

export class DeploySafety {
  private settingsCache: DeploySafetySettings | null = null;

  constructor(private readonly host: IncidentHost) {}

  // ---------- checks before an action is accepted ----------

  /** Runs the checks an action needs; throws an ActionRejected failure (422) when one refuses. */
  async check(actor: Actor, request: ResponderAction): Promise<CheckedAction> {
    if (request.action === 'rollback') return this.checkRollback(actor, request.to, request.force === true);
    if (request.action === 'hotfix') return this.checkHotfix(request.sha);
    return { request, warnings: [] };
  }

  private async checkRollback(actor: Actor, to: string | undefined, force: boolean): Promise<CheckedAction> {
    const target = to ?? this.host.state.enrichment?.rollbackCandidate?.sha;
    if (!target)
      throw rejection('invalid', "no rollback candidate is known for this service: name one with 'to'");
    const settings = await this.settings();
    const facts = await this.targetFacts(target);
    const verdict = checkRollbackSafety(facts, {
      force,
      staleAfterMs: settings.staleAfterMs,
      now: Date.now(),
    });
    this.recordVerdict(actor, facts, verdict, force);
    if (!verdict.allowed) {
      throw rejection('invalid', `rollback refused: ${verdict.refusals.join('; ')}`, {
        refusals: verdict.refusals,
        warnings: verdict.warnings,
        instructions: verdict.instructions,
      });
    }
    const sha = facts.knownDeploy?.sha ?? facts.sha;
    return {
      request: { action: 'rollback', to: sha, ...(force ? { force } : {}) },
      warnings: verdict.warnings,
    };
  }

  private async checkHotfix(sha: string): Promise<CheckedAction> {
    const settings = await this.settings();
    if (!settings.hotfixJob) {
      throw rejection('invalid', `no hotfix job is configured for ${this.host.state.service} (hotfix.job)`);
    }
    const lookup = await this.lookUpCommit(sha);
    if (lookup.exists === false)
      throw rejection('invalid', `commit ${short(sha)} was not found in the service's repo`);
    return { request: { action: 'hotfix', sha: lookup.sha ?? sha }, warnings: [] };
  }

  /** What the checks need about the target: from enrichment when it knows, else from GitHub. */
  private async targetFacts(target: string): Promise<RollbackTargetFacts> {
    const enrichment = this.host.state.enrichment;
    const currentSha = enrichment?.currentDeploy?.sha ?? null;
    const deploys = [enrichment?.rollbackCandidate, ...(enrichment?.recentDeploys ?? [])];
    const knownDeploy = deploys.find((d): d is DeployRef => Boolean(d && sameCommit(d.sha, target))) ?? null;
    const facts: RollbackTargetFacts = {
      sha: knownDeploy?.sha ?? target,
      knownDeploy,
      commitExists: knownDeploy ? true : null,
      currentSha,
      migrations: [],
      changesKnown: false,
      changesPossiblyIncomplete: false,
    };
    if (!knownDeploy) {
      const lookup = await this.lookUpCommit(target);
      facts.commitExists = lookup.exists;
      if (lookup.sha) facts.sha = lookup.sha;
    }
    if (facts.commitExists === false || !currentSha || sameCommit(facts.sha, currentSha)) return facts;
    const candidate = enrichment?.rollbackCandidate;
    if (candidate && sameCommit(candidate.sha, facts.sha) && enrichment.changesRead) {
      return {
        ...facts,
        changesKnown: true,
        migrations: enrichment.migrations,
        changesPossiblyIncomplete: enrichment.changesPossiblyIncomplete,
      };
    }
    return this.withChanges(facts, currentSha);
  }

  private async withChanges(facts: RollbackTargetFacts, currentSha: string): Promise<RollbackTargetFacts> {
    try {
      const changes = await safetyReads.readChanges({
        service: this.host.state.service,
        base: facts.sha,
        head: currentSha,
      });
      return {
        ...facts,
        changesKnown: changes.known,
        migrations: changes.migrations,
        changesPossiblyIncomplete: changes.changesPossiblyIncomplete,
      };
    } catch (error) {
      if (isCancellation(error)) throw error;
      return facts;
    }
  }

  private async lookUpCommit(sha: string): Promise<CommitLookup> {
    try {
      return await safetyReads.lookUpCommit({ service: this.host.state.service, sha });
    } catch (error) {
      if (isCancellation(error)) throw error;
      return { exists: null, sha: null, committedAt: null };
    }
  }

  /** The checks are in the timeline and, when they have something to say, on the page. */
  private recordVerdict(
    actor: Actor,
    facts: RollbackTargetFacts,
    verdict: SafetyVerdict,
    force: boolean,
  ): void {
    const kind = verdict.allowed ? 'safety-check' : 'safety-refused';
    this.host.record(
      kind,
      `rollback to ${short(facts.sha)}${force ? ' (force)' : ''}: ${describeVerdict(verdict)}`,
      actor,
      {
        data: {
          target: facts.sha,
          refusals: verdict.refusals,
          warnings: verdict.warnings,
          instructions: verdict.instructions,
        },
      },
    );
    if (verdict.refusals.length === 0 && verdict.warnings.length === 0) return;
    const lines = [
      `[Firebreak] rollback to ${short(facts.sha)} safety checks: ${describeVerdict(verdict)}`,
      ...verdict.instructions,
    ];
    this.notePage(lines.join('\n'));
  }

  // ---------- the freeze ----------

  /** Freezes the service's deploys for this incident (a rollback, or a paging incident where configured). */
  async freeze(kind: FreezeKind, reason: string): Promise<void> {
    const state = this.host.state;
    // Placed every time (the freeze keeps one hold per incident and kind): someone may have lifted it
    // through the freeze route meanwhile, which this incident's state cannot know.
    const since = new Date().toISOString();
    try {
      await placeFreezeHold(state.service, { incidentId: state.id, kind, since, reason });
    } catch (error) {
      if (isCancellation(error)) throw error;
      this.host.fail('freeze-failed', `deploys of ${state.service} could not be frozen`, error);
      return;
    }
    const held = state.freeze?.kinds ?? [];
    state.freeze = {
      kinds: held.includes(kind) ? held : [...held, kind],
      since: state.freeze?.since ?? since,
    };
    this.host.record('freeze-on', `deploys of ${state.service} frozen: ${reason}`, ENGINE, {
      data: { kind },
    });
    if (!held.includes(kind)) this.host.notify('freeze-on', `${state.service}: deploys frozen (${reason})`);
  }

  async freezeWhilePaging(): Promise<void> {
    if ((await this.settings()).freezeWhilePaging) await this.freeze('paging', 'a paging incident is open');
  }

  /** Lifts what this incident holds (all of it unless `kind`); recorded at once, the signal follows. */
  lift(actor: Actor, reason: string, kind?: FreezeKind): void {
    if (this.recordLift(actor, reason, kind))
      this.host.inBackground('freeze lift', () => this.signalLift(actor, reason, kind));
  }

  /**
   * The incident was cancelled: its paging hold ends with it, as at a close (a rollback freeze stands).
   * Awaited, since nothing of the incident runs after this.
   */
  async liftOnCancel(): Promise<void> {
    const reason = 'the paging incident was cancelled';
    if (this.recordLift(ENGINE, reason, 'paging')) await this.signalLift(ENGINE, reason, 'paging');
  }

  /** Updates the incident's record of its holds; false when it held nothing to lift. */
  private recordLift(actor: Actor, reason: string, kind?: FreezeKind): boolean {
    const state = this.host.state;
    const held = state.freeze?.kinds ?? [];
    const lifting = kind ? held.filter((k) => k === kind) : held;
    if (lifting.length === 0) return false;
    const left = held.filter((k) => !lifting.includes(k));
    state.freeze = { kinds: left, since: left.length ? (state.freeze?.since ?? null) : null };
    const lifted = `${lifting.join(' and ')} freeze of ${state.service} lifted by ${actor.by}: ${reason}`;
    const message = left.length
      ? `${lifted}; deploys stay frozen while the ${left.join(' and ')} hold stands`
      : `deploy ${lifted}`;
    this.host.record('freeze-off', message, actor, { data: { kinds: lifting } });
    if (left.length === 0)
      this.host.notify('freeze-off', `${state.service}: deploy freeze lifted (${reason})`);
    return true;
  }

  private async signalLift(actor: Actor, reason: string, kind?: FreezeKind): Promise<void> {
    const state = this.host.state;
    const lifted = await liftFreezeHolds(state.service, {
      incidentId: state.id,
      ...(kind ? { kind } : {}),
      by: actor.by,
      reason,
    });
    if (!lifted) this.host.record('freeze-off', 'the freeze had already ended', ENGINE);
  }

  // ---------- hotfix ----------

  /** Runs the hotfix job and applies its result; the record is already in the incident's list. */
  async runHotfix(record: RollbackRecord): Promise<void> {
    try {
      const result = await hotfixBuild.runHotfix({
        incidentId: this.host.state.id,
        service: this.host.state.service,
        targetSha: record.targetSha,
        requestId: record.requestId,
      });
      Object.assign(record, result, { finishedAt: new Date().toISOString() });
    } catch (error) {
      if (isCancellation(error)) {
        this.host.record(
          'hotfix-cancelled',
          `hotfix ${short(record.targetSha)} cancelled; its Jenkins build was aborted`,
          ENGINE,
        );
        throw error;
      }
      Object.assign(record, { result: 'ERROR', finishedAt: new Date().toISOString() });
      this.host.fail('hotfix-failed', `hotfix ${short(record.targetSha)} could not run`, error);
    }
    this.finishHotfix(record);
  }

  private finishHotfix(record: RollbackRecord): void {
    const state = this.host.state;
    const sha = short(record.targetSha);
    const build = record.buildNumber ? ` (build #${record.buildNumber})` : '';
    if (record.result !== 'SUCCESS') {
      if (state.status === 'mitigating') this.host.setStatus('mitigation-failed');
      this.host.record(
        'mitigation-failed',
        `hotfix ${sha} ended ${record.result ?? 'without a result'}${build}`,
        ENGINE,
        {
          data: { consoleTail: record.consoleTail ?? null },
        },
      );
      this.host.notify('hotfix-failed', `${state.service}: hotfix ${sha} FAILED (${record.result})`);
      this.rePage(`hotfix ${sha} ended ${record.result}`);
      return;
    }
    state.times.mitigated ??= record.finishedAt ?? new Date().toISOString();
    if (state.status === 'mitigating') this.host.setStatus('mitigated');
    this.host.record('mitigated', `hotfix ${sha} succeeded${build}`, ENGINE, {
      data: { buildUrl: record.buildUrl },
    });
    for (const check of record.skippedChecks ?? []) {
      state.followUps.push(`run the ${check} the hotfix ${sha} skipped`);
    }
    this.host.notify('hotfix-succeeded', `${state.service}: hotfix ${sha} succeeded`);
    this.host.inBackground('change event', () =>
      pageUpdates.recordChangeEvent({
        service: state.service,
        summary: `Hotfix of ${state.service} to ${sha} (incident ${state.id})`,
        details: {
          incident: state.id,
          sha: record.targetSha,
          build: record.buildUrl ?? null,
          skippedChecks: record.skippedChecks ?? [],
        },
        links: record.buildUrl ? [{ href: record.buildUrl, text: 'Hotfix build' }] : [],
      }),
    );
    // The fix is live: the rollback's freeze ends (a paging freeze stands while the incident is open).
    this.lift(ENGINE, `hotfix ${sha} succeeded`, 'rollback');
  }

  /** A new hotfix record: the request id is derived from the incident and the decision's number. */
  hotfixRecord(actor: Actor, sha: string, skippedChecks: string[]): RollbackRecord {
    const attempt = this.host.state.rollbacks.filter((r) => r.kind === 'hotfix').length + 1;
    return {
      kind: 'hotfix',
      requestId: `${this.host.state.id}-hotfix-${attempt}`,
      targetSha: sha,
      requestedBy: actor,
      requestedAt: new Date().toISOString(),
      forced: false,
      skippedChecks,
    };
  }

  // ---------- after a rollback ----------

  /** Monitoring must recover within verifyWithin of a successful rollback, or everyone hears about it. */
  async verifyRecovery(record: RollbackRecord, isResolved: () => boolean): Promise<void> {
    const { verifyWithinMs } = await this.settings();
    const target = short(record.targetSha);
    if (await condition(isResolved, verifyWithinMs)) {
      this.host.record('rollback-verified', `monitoring recovered after the rollback to ${target}`, ENGINE);
      return;
    }
    const what = `ROLLBACK DID NOT HELP: monitoring has not recovered ${formatDuration(verifyWithinMs)} after the rollback to ${target}`;
    this.host.record('rollback-unverified', what, ENGINE);
    this.notePage(`[Firebreak] ${what}`);
    this.host.notify('rollback-unverified', `${this.host.state.service}: ${what}`);
  }

  /** A mitigation failed: the responders are paged again (re-assigned at their level) and told why. */
  rePage(reason: string): void {
    const state = this.host.state;
    if (!state.times.paged) return;
    this.host.inBackground('re-page', async () => {
      await pageUpdates.escalatePage({
        service: state.service,
        dedupKey: state.id,
        pagerDutyIncidentId: state.pagerDuty.incidentId,
        level: state.pagerDuty.escalationLevel,
      });
      this.host.record(
        're-paged',
        `responders paged again (level ${state.pagerDuty.escalationLevel}): ${reason}`,
        ENGINE,
      );
    });
    this.notePage(`[Firebreak] mitigation failed: ${reason}. Retry, or choose another action.`);
  }

  /** The checks the hotfix job skips; known once a hotfix's checks have read the settings. */
  hotfixSkips(): string[] {
    return this.settingsCache?.hotfixSkips ?? [];
  }

  async settings(): Promise<DeploySafetySettings> {
    this.settingsCache ??= await settingsRead.readDeploySafety({ service: this.host.state.service });
    return this.settingsCache;
  }

  private notePage(text: string): void {
    const state = this.host.state;
    if (!state.times.paged) return;
    this.host.inBackground('PagerDuty note', () =>
      pageUpdates.notePagerDuty({
        service: state.service,
        dedupKey: state.id,
        pagerDutyIncidentId: state.pagerDuty.incidentId,
        text,
      }),
    );
  }
}

function rejection(
  kind: 'invalid' | 'conflict',
  message: string,
  details?: Record<string, unknown>,
): ApplicationFailure {
  return ApplicationFailure.create({
    type: `ActionRejected.${kind}`,
    message,
    nonRetryable: true,
    ...(details ? { details: [details] } : {}),
  });
}
