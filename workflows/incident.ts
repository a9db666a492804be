// The incident workflow: one run owns one incident from its first alert to its archived report.
// It reads as the lifecycle in DESIGN.md: enrich (time-boxed) → page (per the severity policy) → wait for
// the responder (from the API, the CLI or PagerDuty), for the escalation timer or for monitoring → act
// (rollback) → resolve (holding for flaps) → report. Every side effect is an activity; optional steps
// (enrichment past its budget, notifications) run beside the critical path and only ever leave a
// timeline entry and a follow-up when they fail.
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  TimeoutFailure,
  proxyLocalActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { IncidentActivities } from '../activities';
import {
  ActionRejection,
  validateAction,
  type ActionOutcome,
  type ActionRequest,
  type Actor,
  type ResponderAction,
} from '../domain/actions';
import { FIREBREAK_NOTE_PREFIX, type PagerDutyDelivery } from '../domain/pagerduty-events';
import { isListedResponder, pages, type ResponderPolicy } from '../domain/policy';
import type { Alert, AlertBatch } from '../domain/alert';
import {
  comparison,
  fromHistory,
  short,
  withChanges,
  type ChangeSet,
  type DeployHistory,
} from '../domain/enrichment';
import { incidentIdFor } from '../domain/ids';
import { incidentView } from '../domain/incident-view';
import {
  allAlertsResolved,
  higherSeverity,
  isMoreSevere,
  newIncidentState,
  type AlertOccurrence,
  type IncidentState,
  type IncidentStatus,
  type RollbackRecord,
  type TimelineEntry,
  type TimeSource,
} from '../domain/incident';
import { buildReport, renderMarkdown, type IncidentReport } from '../domain/report';
import { computeTimings, describeSuspect, formatDuration, suspectDeploy } from '../domain/timings';
import { admitToTimeline } from '../domain/timeline-budget';
import * as attributes from '../domain/search-attributes';
import type { ResponderVerdict } from '../activities/policy';
import type { PagerIncident } from '../integrations/roles';
import { DeploySafety } from './deploy-safety';
import { JENKINS_BUILD, OPTIONAL_STEP } from './activity-options';
import { carryOver } from './carry-over';
import { ONE_LOCAL_ATTEMPT, failureOf, isFinal, localFirst } from './local-first';
import { pageAlerts } from './page-alerts';
import { actionUpdate, alertsSignal, caughtUpUpdate, pagerDutySignal, stateQuery } from './messages';
import { Stakeholders } from './stakeholders';

export interface IncidentInput {
  /** The grouping key intake chose (by default the service). */
  group: string;
  service: string;
  /** Alerts that arrived while the previous incident of this group was closing (continue-as-new). */
  carriedOver?: AlertBatch[];
  /** Alerts of those that did not fit in the input (workflows/carry-over.ts), counted. */
  leftOutOfCarryOver?: number;
  /**
   * False on a server without Firebreak's search attributes (Temporal's time-skipping test server
   * implements no operator service to register them); the incident is then not listable by them.
   */
  indexed?: boolean;
}

const ENGINE: Actor = { by: 'firebreak', channel: 'workflow' };
const MONITORING: Actor = { by: 'monitoring', channel: 'workflow' };
/** PagerDuty retries a webhook for 48 h; this many recent event ids are remembered to ignore repeats. */
const SEEN_PAGERDUTY_EVENTS = 1000;

/** What the quick read within the page's budget found (see readEnrichmentQuickly). */
interface QuickEnrichment {
  done: boolean;
  history: DeployHistory | null;
  waitMs: number;
}

/** How long the durable enrichment reads keep trying (enrichmentReads' scheduleToCloseTimeout). */
const ENRICHMENT_WINDOW_MS = 10 * 60_000;

/** Patch id (workflow versioning): the settings are read together with the policy at the start. */
const SETTINGS_WITH_POLICY = 'settings-read-with-policy';

/** Patch id: a cancelled incident lifts its paging freeze. */
const LIFT_ON_CANCEL = 'lift-paging-freeze-on-cancel';

/** When the service's profile cannot be read, the page waits at most this long for enrichment. */
const DEFAULT_ENRICHMENT_BUDGET_MS = 2000;

// Timeouts and retries, named for what they protect.
/** The service's config as the worker has it (profile, policy): no network, so a local activity. */
const configRead = proxyLocalActivities<IncidentActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3 },
});
/**
 * GitHub and Jenkins reads: never on the page's path (the page waits only for the budget). Retried for
 * up to 10 minutes, each retry after the wait the vendor asked for (rate limits); then given up.
 */
const enrichmentReads = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: ENRICHMENT_WINDOW_MS,
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/** Paging is absolutely required: keep trying for ~30 minutes before declaring it failed. */
const paging = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/** A responder is waiting for the answer (an API call, a PagerDuty command): fail fast, and refuse. */
const authorizing = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '500 milliseconds', maximumAttempts: 3 },
});
/** Escalation matters, but the next one is due an ackTimeout later: a few minutes of retries at most. */
const escalation = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
  },
});
/** PagerDuty opens its incident a little after the page (Events v2 is asynchronous): keep looking ~5 min. */
const incidentLookup = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '15 seconds',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 9,
  },
});
/** The page's path, tried locally first (workflows/local-first.ts). */
const quickly = proxyLocalActivities<IncidentActivities>(ONE_LOCAL_ATTEMPT);
const jenkinsBuild = proxyActivities<IncidentActivities>(JENKINS_BUILD);
const optional = proxyActivities<IncidentActivities>(OPTIONAL_STEP);

export async function incidentWorkflow(input: IncidentInput): Promise<IncidentReport> {
  const incident = new Incident(input);
  incident.listen();
  for (const batch of input.carriedOver ?? []) incident.applyAlerts(batch);
  if (input.leftOutOfCarryOver) incident.noteLeftOutOfCarryOver(input.leftOutOfCarryOver);

  try {
    await condition(() => incident.state.alerts.length > 0);
    incident.announce();
    // Every config read at once: under a storm every extra step before the page, and before the page's
    // record is committed, waits its turn behind every other new incident's.
    await Promise.all([incident.loadPolicy(), incident.loadProfile(), incident.loadSettings()]);
    await incident.enrichWithinBudget();
    await incident.pageIfPolicySays();
    incident.notify('opened', `${incident.state.service}: incident opened (${incident.state.title})`);

    do {
      await incident.respondUntilResolved();
    } while (await incident.reopenedByFlap());
    return await incident.close();
  } catch (error) {
    // Cancelled (`temporal workflow cancel`): the incident ends here, and what ends with it must still
    // happen, or deploys would stay frozen by an incident that no longer exists.
    if (isCancellation(error)) await CancellationScope.nonCancellable(() => incident.cancelled());
    throw error;
  }
}

/** The incident's state and the steps that change it. */
class Incident {
  readonly state: IncidentState;
  private readonly input: IncidentInput;
  private readonly pendingRollbacks: RollbackRecord[] = [];
  private readonly background: Array<Promise<void>> = [];
  private readonly lateBatches: AlertBatch[] = [];
  private readonly dedupKey: string;
  /** Set once the incident will not reopen: alerts that fire now belong to the next incident. */
  private closing = false;
  /** The status to return to when a flap reopens the incident. */
  private statusBeforeResolution: IncidentStatus = 'triggered';
  /** A severity rise that the page has not caught up with yet. */
  private severityRaised = false;
  private enrichmentScope: CancellationScope | null = null;
  private enrichmentDone = false;
  /** What the page carried: `partial` means enrichment finished after it, and follows as a note. */
  private pageOutcome: 'pending' | 'complete' | 'partial' | 'none' = 'pending';
  /** Ids of PagerDuty webhooks already handled (bounded): PagerDuty delivers at least once. */
  private readonly seenPagerDutyEvents: string[] = [];
  /** A person took an action other than a note: the auto-rollback policy stands down. */
  private responderActed = false;
  /** PagerDuty already has the incident resolved: resolving the page again would be noise. */
  private resolvedInPagerDuty = false;
  /** Rollback safety checks, the deploy freeze and the hotfix path (workflows/deploy-safety.ts). */
  private readonly safety: DeploySafety;
  /** Notifications and the ticket: optional, beside the critical path. */
  private readonly stakeholders: Stakeholders;
  /**
   * The workflow clock stands still while local activities run (it is the workflow task's start); the
   * time their results carry moves it on, so that the timeline keeps the order things really happened in.
   */
  private clockFloorMs = 0;
  /** The state's alert occurrences by key: a storm's 10,000 alerts would otherwise be searched per alert. */
  private readonly occurrences = new Map<string, AlertOccurrence>();

  constructor(input: IncidentInput) {
    const info = workflowInfo();
    this.input = input;
    const id = incidentIdFor(info.workflowId, info.runId);
    this.dedupKey = id;
    this.state = newIncidentState({ id, workflowId: info.workflowId, service: input.service });
    this.safety = new DeploySafety({
      state: this.state,
      record: (kind, message, actor, options) => this.record(kind, message, actor, options),
      fail: (kind, message, error) => this.fail(kind, message, error),
      notify: (milestone, headline) => this.notify(milestone, headline),
      setStatus: (status) => this.setStatus(status),
      inBackground: (what, step) => this.inBackground(what, step),
    });
    this.stakeholders = new Stakeholders({
      state: this.state,
      dedupKey: this.dedupKey,
      record: (kind, message, data) => this.record(kind, message, ENGINE, data ? { data } : {}),
      fail: (kind, message, error) => this.fail(kind, message, error),
      inBackground: (what, step) => this.inBackground(what, step),
    });
  }

  listen(): void {
    setHandler(alertsSignal, (batch) => this.applyAlerts(batch));
    setHandler(stateQuery, () => incidentView(this.state));
    setHandler(actionUpdate, (request) => this.act(request), {
      validator: (request) => this.validate(request),
    });
    setHandler(pagerDutySignal, (delivery) => this.hearPagerDuty(delivery));
    // Nothing to do: that a workflow task ran it means the hand-offs before it are no longer buffered.
    setHandler(caughtUpUpdate, () => undefined);
  }

  // ---------- alerts ----------

  applyAlerts(batch: AlertBatch): void {
    const firing = batch.alerts.some((a) => a.status === 'firing');
    if (this.closing || this.state.status === 'closed') {
      // This incident is closing; alerts that fire now belong to the next incident of the group.
      if (firing) this.lateBatches.push(batch);
      return;
    }
    if (this.state.status === 'resolved' && firing) this.reopenForFlap(batch);
    if (this.state.times.detected === null) {
      this.state.times.detected = batch.receivedAt;
      this.record(
        'alert-received',
        `first alert received (${batch.alerts.length} in the delivery)`,
        MONITORING,
        {
          at: batch.receivedAt,
          timeSource: 'intake',
        },
      );
    }
    for (const alert of batch.alerts) this.applyAlert(alert, batch.receivedAt);
    if (batch.truncated > 0) {
      this.record(
        'alerts-truncated',
        `${batch.truncated} alerts were left out of a delivery by the sender`,
        MONITORING,
      );
    }
    if (this.state.status !== 'resolved' && allAlertsResolved(this.state.alerts) && batch.truncated === 0) {
      this.resolve(MONITORING, 'all alerts resolved by monitoring');
    }
  }

  /** Alerts that fired while the previous incident closed, too many to carry over: counted here. */
  noteLeftOutOfCarryOver(count: number): void {
    this.record(
      'alerts-truncated',
      `${count} alerts that fired while the previous incident closed were too many to carry over; monitoring sends them again while they fire`,
      MONITORING,
      { data: { leftOutOfCarryOver: count } },
    );
  }

  /** Monitoring had recovered, and an alert fires again within the flap window: same incident, no new page. */
  private reopenForFlap(batch: AlertBatch): void {
    const alert = batch.alerts.find((a) => a.status === 'firing') as Alert;
    this.state.flaps.push({ at: batch.receivedAt, occurrence: alert.occurrenceKey, summary: alert.summary });
    this.state.times.resolved = null;
    this.state.resolution = null;
    this.state.resolvedBy = null;
    this.setStatus(this.statusBeforeResolution);
    this.record('flap', `alert fired again within the flap window: ${alert.summary}`, MONITORING, {
      at: batch.receivedAt,
      timeSource: 'intake',
      data: { flaps: this.state.flaps.length },
    });
  }

  private applyAlert(alert: Alert, receivedAt: string): void {
    const known = this.occurrences.get(alert.occurrenceKey);
    if (!known) {
      const occurrence = { key: alert.occurrenceKey, alert, firstSeenAt: receivedAt, changedAt: receivedAt };
      this.state.alerts.push(occurrence);
      this.occurrences.set(occurrence.key, occurrence);
      this.noteImpactStart(alert.startsAt);
      this.raiseSeverity(alert);
      if (!this.state.title) this.state.title = alert.summary;
      this.record('alert', `${alert.status}: ${alert.summary}`, MONITORING, {
        at: alert.startsAt,
        timeSource: 'alert',
        data: { occurrence: alert.occurrenceKey, severity: alert.severity },
      });
      return;
    }
    // A repeat (same state) changes nothing: no count, no timeline entry, no page.
    if (known.alert.status !== alert.status) {
      // The occurrence keeps the start it was first seen with (a Datadog recovery carries no start).
      known.alert = { ...alert, startsAt: known.alert.startsAt };
      known.changedAt = receivedAt;
      const at = alert.status === 'resolved' && alert.endsAt ? alert.endsAt : receivedAt;
      this.record('alert', `${alert.status}: ${alert.summary}`, MONITORING, {
        at,
        timeSource: alert.status === 'resolved' && alert.endsAt ? 'alert' : 'intake',
        data: { occurrence: alert.occurrenceKey },
      });
    }
  }

  private noteImpactStart(startsAt: string): void {
    const current = this.state.times.impactStart;
    if (!current || Date.parse(startsAt) < Date.parse(current)) this.state.times.impactStart = startsAt;
  }

  private raiseSeverity(alert: Alert): void {
    const before = this.state.severity;
    if (this.state.alerts.length === 1) {
      this.state.severity = alert.severity;
      return;
    }
    this.state.severity = higherSeverity(before, alert.severity);
    if (isMoreSevere(this.state.severity, before)) {
      this.severityRaised = true;
      this.record('severity-raised', `severity raised from ${before} to ${this.state.severity}`, MONITORING);
      this.upsertAttributes();
    }
  }

  // ---------- lifecycle steps ----------

  announce(): void {
    this.upsertAttributes();
    this.notePending();
  }

  async loadPolicy(): Promise<void> {
    try {
      this.state.policy = await configRead.readIncidentPolicy({ service: this.state.service });
    } catch (error) {
      this.fail('policy-defaulted', "the service's policy could not be read; the defaults apply", error);
    }
  }

  /** The service's owners, team, enrichment budget and suspect window, as configured now. */
  async loadProfile(): Promise<void> {
    try {
      this.state.profile = await configRead.serviceProfile({ service: this.state.service });
    } catch (error) {
      this.fail('profile-failed', 'service configuration could not be read; using defaults', error);
    }
  }

  /** Cancelled: a paging freeze ends with the incident (a rollback freeze stands, as after a close). */
  async cancelled(): Promise<void> {
    // Incidents cancelled before this replay without it (a query on one replays its history).
    if (patched(LIFT_ON_CANCEL)) await this.safety.liftOnCancel();
  }

  /**
   * The deploy-safety and stakeholder settings the steps after the page need, read with the policy.
   * Read lazily they were two more local reads after the page, holding its workflow task open. A failed
   * read is left to the step that needs it, which reads again and reports it as before.
   */
  async loadSettings(): Promise<void> {
    // Incidents started before this read moved replay the lazy reads.
    if (!patched(SETTINGS_WITH_POLICY)) return;
    await Promise.all([this.safety.settings().catch(() => undefined), this.stakeholders.loadSettings()]);
  }

  /**
   * Enrichment for the page, read within the budget by one local activity: the page never waits for
   * GitHub longer than that. What is not read by then is read durably beside the incident and added to
   * the PagerDuty incident as a note when it arrives.
   */
  async enrichWithinBudget(): Promise<void> {
    const budgetMs = this.state.profile?.enrichmentBudgetMs ?? DEFAULT_ENRICHMENT_BUDGET_MS;
    const quick: QuickEnrichment =
      budgetMs > 0 ? await this.readEnrichmentQuickly(budgetMs) : { done: false, history: null, waitMs: 0 };
    if (quick.done) {
      this.enrichmentDone = true;
      return;
    }
    const scope = new CancellationScope();
    this.enrichmentScope = scope;
    this.background.push(
      scope
        .run(() => this.enrich(quick.history, quick.waitMs))
        .catch((error: unknown) => {
          if (!isCancellation(error)) return this.fail('enrichment-failed', 'enrichment failed', error);
          this.record(
            'enrichment-abandoned',
            'enrichment was still running when the incident closed',
            ENGINE,
          );
        }),
    );
    // The local read held the workflow task: let in what arrived meanwhile (monitoring may have
    // recovered, and then nobody is paged) and let the clock catch up, before paging.
    if (budgetMs > 0) await sleep(1);
    if (this.state.status !== 'resolved') {
      const ready = this.state.enrichment ? 'the deploy history' : 'nothing yet';
      this.record(
        'enrichment-late',
        `enrichment not finished within its ${formatDuration(budgetMs)} budget: paging with ${ready}; the rest follows as a PagerDuty note`,
        ENGINE,
      );
    }
  }

  /**
   * Done when everything there is to know was read; otherwise the history, if that much was, and how long
   * the vendor asked to wait before the durable read tries again. One attempt: retries are the durable
   * read's job (a local retry waiting out a long rate limit would hold the workflow task).
   */
  private async readEnrichmentQuickly(budgetMs: number): Promise<QuickEnrichment> {
    try {
      const quick = await proxyLocalActivities<IncidentActivities>({
        scheduleToCloseTimeout: budgetMs,
        retry: { maximumAttempts: 1 },
      }).readEnrichmentQuickly({ service: this.state.service, budgetMs });
      this.clockReached(quick.readAt);
      if (!this.applyHistory(quick.history)) return { done: true, history: null, waitMs: 0 };
      if (quick.changes) this.applyChanges(quick.changes);
      const done = quick.changes !== null || comparison(quick.history) === null;
      return { done, history: quick.history, waitMs: 0 };
    } catch (error) {
      if (isCancellation(error)) throw error;
      if (failureOf(error) instanceof TimeoutFailure) {
        // Out of time: the clock stood still meanwhile.
        this.clockReached(new Date(Date.now() + budgetMs).toISOString());
        return { done: false, history: null, waitMs: 0 };
      }
      const waitMs = vendorWaitMs(error);
      if (isFinal(error) || waitMs >= ENRICHMENT_WINDOW_MS) {
        // No retry can help, or none within the durable read's window: say so now, before the page.
        this.fail('enrichment-failed', 'enrichment gave up on the deploy history', error);
        return { done: true, history: null, waitMs: 0 };
      }
      const wait = waitMs > 0 ? ` in ${formatDuration(waitMs)}, as the vendor asked` : '';
      this.record(
        'enrichment-retrying',
        `enrichment read failed: ${describeFailure(error)}; reading again${wait}`,
        ENGINE,
      );
      return { done: false, history: null, waitMs };
    }
  }

  private async enrich(known: DeployHistory | null, waitMs: number): Promise<void> {
    // A longer wait than the durable read's window would only postpone the failure it will report.
    if (waitMs > 0 && waitMs < ENRICHMENT_WINDOW_MS) await sleep(waitMs);
    await this.readEnrichment(known);
    this.enrichmentDone = true;
    await condition(() => this.pageOutcome !== 'pending');
    if (this.pageOutcome === 'partial' && this.state.enrichment) await this.noteLateEnrichment();
  }

  /** History first (current deploy, rollback candidate), unless already known, then the changes. */
  private async readEnrichment(known: DeployHistory | null): Promise<void> {
    const service = this.state.service;
    try {
      const history = known ?? (await enrichmentReads.readDeployHistory({ service }));
      if (!known && !this.applyHistory(history)) return;
      const compare = history && comparison(history);
      if (!compare) return;
      this.applyChanges(await enrichmentReads.readChanges({ service, ...compare }));
    } catch (error) {
      if (isCancellation(error)) throw error;
      // Enrichment is optional: the incident goes on with what was read.
      const part = this.state.enrichment ? 'the changes since the rollback candidate' : 'the deploy history';
      this.fail('enrichment-failed', `enrichment gave up on ${part}`, error);
    }
  }

  /** False when the service has nowhere to read deploys from (then there is nothing more to read). */
  private applyHistory(history: DeployHistory | null): history is DeployHistory {
    if (!history) {
      this.record(
        'enrichment-skipped',
        'no GitHub repo or Jenkins deploy job configured for this service',
        ENGINE,
      );
      return false;
    }
    this.state.enrichment = fromHistory(history);
    this.recordHistory(history);
    return true;
  }

  private applyChanges(changes: ChangeSet): void {
    if (!this.state.enrichment) return;
    this.state.enrichment = withChanges(this.state.enrichment, changes);
    this.recordChanges(changes);
  }

  private recordHistory(history: DeployHistory): void {
    const age = history.rollbackCandidateAgeMs;
    const candidate = history.rollbackCandidate
      ? `${short(history.rollbackCandidate.sha)}${age === null ? '' : ` (${formatDuration(age)} old)`}`
      : 'none';
    const retried = history.attempts > 1 ? ` (after ${history.attempts} attempts)` : '';
    this.record(
      'enriched',
      `from ${history.deploysFrom}: current deploy ${short(history.currentDeploy?.sha)}, rollback candidate ${candidate}${retried}`,
      ENGINE,
      {
        data: {
          source: history.source,
          currentDeploy: history.currentDeploy?.sha ?? null,
          rollbackCandidate: history.rollbackCandidate?.sha ?? null,
          rollbackCandidateAgeMs: age,
          attempts: history.attempts,
        },
      },
    );
    for (const warning of history.warnings) this.record('enrichment-warning', warning, ENGINE);
    const suspect = suspectDeploy(this.state);
    if (suspect) {
      // Dated when the deploy finished, so the report's timeline shows it before the impact began.
      this.record('suspect-deploy', `suspect deploy ${describeSuspect(suspect)}`, ENGINE, {
        at: suspect.finishedAt,
        timeSource: 'vendor',
        data: { ...suspect },
      });
    }
  }

  private recordChanges(changes: ChangeSet): void {
    for (const warning of changes.warnings) this.record('enrichment-warning', warning, ENGINE);
    if (!changes.known) return;
    const retried = changes.attempts > 1 ? ` (after ${changes.attempts} attempts)` : '';
    this.record(
      'changes-read',
      `${changes.changes.length} commit(s) and ${changes.migrations.length} migration(s) between the rollback candidate and the current deploy${retried}`,
      ENGINE,
      {
        data: {
          migrations: changes.migrations,
          commits: changes.changes.length,
          compareUrl: changes.compareUrl,
        },
      },
    );
    if (changes.migrations.length > 0) {
      this.record(
        'safety-warning',
        `migrations changed since the rollback candidate: ${changes.migrations.join(', ')}`,
        ENGINE,
      );
    }
  }

  private async noteLateEnrichment(): Promise<void> {
    const enrichment = this.state.enrichment;
    if (!enrichment) return;
    try {
      const note = await optional.noteLateEnrichment({
        incidentId: this.state.id,
        dedupKey: this.dedupKey,
        enrichment,
        suspectDeploy: suspectDeploy(this.state),
      });
      const said = note.added
        ? 'added to the PagerDuty incident as a note'
        : 'was already noted on the PagerDuty incident';
      this.record('enrichment-noted', `enrichment that arrived after the page ${said}`, ENGINE, {
        data: { noteId: note.noteId },
      });
    } catch (error) {
      this.fail(
        'enrichment-note-failed',
        'late enrichment could not be added to the PagerDuty incident',
        error,
      );
    }
  }

  /** Pages when the incident's severity is one the policy pages for; otherwise records why not. */
  async pageIfPolicySays(): Promise<void> {
    this.severityRaised = false;
    if (pages(this.state.policy, this.state.severity)) {
      await this.page();
      return;
    }
    this.pageOutcome = 'none';
    this.record(
      'not-paged',
      `severity ${this.state.severity} does not page (policy pages ${this.state.policy.pageSeverities.join(', ')}); stakeholders are notified`,
      ENGINE,
    );
  }

  /** A severity rise: page now if it newly qualifies, or escalate the existing page's severity. */
  private async followSeverityRise(): Promise<void> {
    this.severityRaised = false;
    if (!pages(this.state.policy, this.state.severity)) return;
    if (!this.state.times.paged) {
      await this.page();
      return;
    }
    try {
      await paging.pageResponder(this.pageInput());
      this.record('page-escalated', `page raised to severity ${this.state.severity}`, ENGINE);
    } catch (error) {
      this.fail('page-escalation-failed', `could not raise the page to ${this.state.severity}`, error);
    }
  }

  async page(): Promise<void> {
    if (this.state.status === 'resolved') {
      this.pageOutcome = 'none';
      return;
    }
    // The page carries what is ready now; `complete` decides whether a note must follow.
    const complete = this.enrichmentDone;
    const suspect = suspectDeploy(this.state);
    try {
      const input = this.pageInput(complete, suspect);
      const receipt = await localFirst(
        () => quickly.pageResponder(input),
        () => paging.pageResponder(input),
      );
      this.clockReached(receipt.acceptedAt);
      this.state.times.paged = this.now();
      this.pageOutcome = complete ? 'complete' : 'partial';
      if (this.state.status === 'triggered') this.setStatus('paged');
      const named = suspect ? `, naming suspect deploy ${short(suspect.sha)}` : '';
      this.record('paged', `paged through PagerDuty (dedup key ${receipt.dedupKey})${named}`, ENGINE);
    } catch (error) {
      this.pageOutcome = 'none';
      this.fail('page-failed', 'PAGING FAILED: nobody was paged by Firebreak', error);
      return;
    }
    // Regular activities from here: a local one would hold the workflow task open, and with it the
    // record of the page, while PagerDuty answers.
    this.inBackground('on-call lookup', async () => {
      const onCall = await optional.lookUpOnCall({ service: this.state.service });
      if (onCall)
        this.record('on-call', onCall.length ? `on call: ${onCall.join(', ')}` : 'nobody is on call', ENGINE);
    });
    this.inBackground('PagerDuty incident lookup', async () => {
      const found = await incidentLookup.findPagerDutyIncident({
        service: this.state.service,
        dedupKey: this.dedupKey,
      });
      if (found) this.learnPagerDutyIncident(found);
    });
    this.inBackground('deploy gate', () => this.safety.freezeWhilePaging());
    this.inBackground('escalation', () => this.escalateUntilAcknowledged());
    this.inBackground('auto-rollback', () => this.rollBackIfNobodyActs());
  }

  /** No acknowledgement within ackTimeout: one level up, up to the policy's number of escalations. */
  private async escalateUntilAcknowledged(): Promise<void> {
    const { ackTimeoutMs, maxEscalations } = this.state.policy;
    let escalations = 0;
    while (escalations < maxEscalations) {
      const level = this.state.pagerDuty.escalationLevel;
      const moved = () => this.answered() || this.state.pagerDuty.escalationLevel !== level;
      await condition(moved, ackTimeoutMs);
      if (this.answered()) return;
      // A responder escalated by hand meanwhile: the new level gets a full ackTimeout too.
      if (this.state.pagerDuty.escalationLevel !== level) continue;
      escalations += 1;
      const more = await this.escalate(ENGINE, `not acknowledged within ${formatDuration(ackTimeoutMs)}`);
      if (!more) return;
    }
  }

  /** Acknowledged, or past needing it. */
  private answered(): boolean {
    return this.state.times.acknowledged !== null || this.isOver();
  }

  private isOver(): boolean {
    return this.state.status === 'resolved' || this.state.status === 'closed';
  }

  /** Escalates one level; false when PagerDuty refused outright, so trying again is pointless. */
  private async escalate(actor: Actor, reason: string): Promise<boolean> {
    const level = this.state.pagerDuty.escalationLevel + 1;
    const service = this.state.service;
    try {
      const incident = await escalation.escalatePage({
        service,
        dedupKey: this.dedupKey,
        pagerDutyIncidentId: this.state.pagerDuty.incidentId,
        level,
      });
      this.learnPagerDutyIncident(incident);
      this.state.pagerDuty.escalationLevel = Math.max(this.state.pagerDuty.escalationLevel, level);
      this.record('escalated', `escalated to level ${level}: ${reason}`, actor, { data: { level } });
      this.notify('escalated', `${service}: incident escalated to level ${level} (${reason})`);
      return true;
    } catch (error) {
      this.fail('escalation-failed', `escalation to level ${level} failed`, error);
      this.notify('escalated', `${service}: ${reason}; escalating to level ${level} in PagerDuty FAILED`);
      return !isFinal(error);
    }
  }

  /** With a suspect deploy and no responder action within autoRollbackAfter, roll back (if the policy says so). */
  private async rollBackIfNobodyActs(): Promise<void> {
    const afterMs = this.state.policy.autoRollbackAfterMs;
    if (afterMs === null) return;
    const suspect = suspectDeploy(this.state);
    if (!suspect) {
      this.record('auto-rollback-off', 'automatic rollback not armed: no suspect deploy', ENGINE);
      return;
    }
    this.record(
      'auto-rollback-armed',
      `automatic rollback in ${formatDuration(afterMs)} unless a responder acts (suspect deploy ${suspect.sha.slice(0, 12)})`,
      ENGINE,
    );
    if (await condition(() => this.responderActed || this.isOver(), afterMs)) return;
    let target: string | undefined;
    try {
      this.validate({ actor: ENGINE, request: { action: 'rollback' } });
      const checked = await this.safety.check(ENGINE, { action: 'rollback' });
      if (checked.request.action === 'rollback') target = checked.request.to;
      this.validate({ actor: ENGINE, request: { action: 'rollback' } });
    } catch (error) {
      this.record('auto-rollback-skipped', `automatic rollback skipped: ${describeFailure(error)}`, ENGINE);
      return;
    }
    const reason = `no responder action within ${formatDuration(afterMs)}`;
    const started = this.queueRollback(ENGINE, target, false, reason);
    this.notify('action-chosen', `${this.state.service}: automatic ${started}`);
  }

  private learnPagerDutyIncident(incident: Pick<PagerIncident, 'id'> & Partial<PagerIncident>): void {
    const known = this.state.pagerDuty;
    if (known.incidentId && known.incidentId !== incident.id) return;
    const first = known.incidentId === null;
    known.incidentId = incident.id;
    if (incident.number) known.incidentNumber = incident.number;
    if (incident.htmlUrl) known.url = incident.htmlUrl;
    if (!first) return;
    const number = incident.number ? `#${incident.number} ` : '';
    this.record('pagerduty-incident', `PagerDuty incident ${number}(${incident.id})`, ENGINE, {
      ...(incident.htmlUrl ? { data: { url: incident.htmlUrl } } : {}),
    });
    this.upsertAttributes();
  }

  private pageInput(complete = this.enrichmentDone, suspect = suspectDeploy(this.state)) {
    return {
      incidentId: this.state.id,
      dedupKey: this.dedupKey,
      service: this.state.service,
      severity: this.state.severity,
      title: this.state.title,
      impactStart: this.state.times.impactStart,
      ...pageAlerts(this.state.alerts),
      enrichment: this.state.enrichment,
      enrichmentPending: !complete,
      suspectDeploy: suspect,
      profile: this.state.profile,
    };
  }

  async respondUntilResolved(): Promise<void> {
    while (this.state.status !== 'resolved') {
      await condition(
        () => this.pendingRollbacks.length > 0 || this.severityRaised || this.state.status === 'resolved',
      );
      if (this.severityRaised && !this.isResolved()) await this.followSeverityRise();
      const rollback = this.pendingRollbacks.shift();
      if (rollback) await this.rollBack(rollback);
    }
  }

  /** Read through a method: TypeScript's narrowing does not know that awaits let signals change it. */
  private isResolved(): boolean {
    return this.state.status === 'resolved';
  }

  /**
   * After monitoring recovers, waits out the flap window: true when an alert fired again (the incident
   * reopened), false when it may close. A responder's resolution closes at once.
   */
  async reopenedByFlap(): Promise<boolean> {
    const byMonitoring = this.state.resolvedBy?.by === MONITORING.by;
    if (byMonitoring && this.state.policy.flapWindowMs > 0) {
      const reopened = await condition(
        () => this.state.status !== 'resolved',
        this.state.policy.flapWindowMs,
      );
      if (reopened) return true;
    }
    this.closing = true;
    return false;
  }

  async close(): Promise<IncidentReport> {
    if (this.state.times.paged && !this.resolvedInPagerDuty) {
      this.inBackground('resolve page', async () => {
        await paging.resolvePage({ service: this.state.service, dedupKey: this.dedupKey });
        this.record('page-resolved', 'PagerDuty alert resolved', ENGINE);
      });
    }
    this.notify('resolved', `${this.state.service}: incident resolved`);
    // A paging freeze ends with the incident; a rollback freeze stands until a hotfix or a lift.
    this.safety.lift(ENGINE, 'the paging incident closed', 'paging');
    // A slow or rate-limited GitHub must not hold the report back: the report says what is missing.
    if (!this.enrichmentDone) this.enrichmentScope?.cancel();
    if (this.pageOutcome === 'pending') this.pageOutcome = 'none';
    await this.drainBackground();
    this.state.times.closed = this.now();
    this.setStatus('closed');
    this.recordTimings();
    await this.stakeholders.closeTicket(buildReport(this.state, this.state.times.closed));
    this.record('closed', 'incident closed', ENGINE);
    const report = buildReport(this.state, this.state.times.closed);
    try {
      await optional.archiveReport({ report, markdown: renderMarkdown(report) });
    } catch (error) {
      this.fail('archive-failed', 'report could not be archived; it stays in the workflow result', error);
    }
    await condition(allHandlersFinished);
    // Handlers that ran while closing (a late PagerDuty command's refusal note) may have left steps.
    await this.drainBackground();
    if (this.lateBatches.length > 0) {
      // Alerts fired while this incident was closing: they open the group's next incident, not nowhere.
      const { leftOutOfCarryOver: _counted, ...input } = this.input;
      await continueAsNew<typeof incidentWorkflow>({ ...input, ...carryOver(this.lateBatches) });
    }
    return report;
  }

  /** The DESIGN.md timings as they stand at close, including the failed-deployment recovery time. */
  private recordTimings(): void {
    const t = computeTimings(this.state);
    const parts = [`TTD ${formatDuration(t.ttdMs)} (impact → detected)`];
    if (t.suspectDeploy) parts.push(`${formatDuration(t.ttdFromDeployMs)} (suspect deploy → detected)`);
    parts.push(`TTR ${formatDuration(t.ttrMs)}`);
    if (t.suspectDeploy)
      parts.push(`failed-deployment recovery time ${formatDuration(t.failedDeploymentRecoveryMs)}`);
    this.record('timings', parts.join(', '), ENGINE, { data: { ...t } });
  }

  // ---------- responder actions ----------

  /** Runs before an action is accepted; a rejection never reaches history. */
  private validate({ request }: ActionRequest): void {
    try {
      validateAction(request, {
        status: this.state.status,
        currentDeploySha: this.state.enrichment?.currentDeploy?.sha ?? null,
        rollbackCandidateSha: this.state.enrichment?.rollbackCandidate?.sha ?? null,
        acknowledged: this.state.times.acknowledged !== null,
        frozen: (this.state.freeze?.kinds.length ?? 0) > 0,
      });
    } catch (error) {
      if (!(error instanceof ActionRejection)) throw error;
      // The failure type carries the kind across the wire so the API can answer 409 or 422.
      throw ApplicationFailure.create({
        type: `ActionRejected.${error.kind}`,
        message: error.message,
        nonRetryable: true,
      });
    }
  }

  /**
   * Runs an action that passed validation: authorization first (it may ask PagerDuty who is on call,
   * which is why it is not in the synchronous validator), then validation again, since the incident
   * may have moved on while PagerDuty answered.
   */
  private async act({ actor, request }: ActionRequest, origin: ActionOrigin = {}): Promise<ActionOutcome> {
    await this.authorize(actor, request);
    this.validate({ actor, request });
    const checked = await this.safety.check(actor, request);
    // The incident may have moved on while the checks read GitHub.
    this.validate({ actor, request });
    if (actor.channel !== 'workflow' && request.action !== 'note') this.responderActed = true;
    const message = this.apply(actor, checked.request, origin);
    this.stakeholders.actionTaken(actor, request.action, message);
    const warnings = checked.warnings.length ? { warnings: checked.warnings } : {};
    return {
      incidentId: this.state.id,
      action: request.action,
      status: this.state.status,
      message,
      ...warnings,
    };
  }

  /** Refuses (403) and records anyone the service's policy does not allow to act. */
  private async authorize(actor: Actor, request: ResponderAction): Promise<void> {
    const responders = this.state.policy.responders;
    if (!responders || actor.channel === 'workflow' || isListedResponder(responders, actor)) return;
    const verdict = await this.checkResponder(actor, responders);
    if (verdict.allowed) return;
    this.record('action-refused', `${request.action} by ${actor.by} refused: ${verdict.reason}`, actor);
    throw ApplicationFailure.create({
      type: 'ActionRejected.forbidden',
      message: verdict.reason,
      nonRetryable: true,
    });
  }

  private async checkResponder(actor: Actor, responders: ResponderPolicy): Promise<ResponderVerdict> {
    try {
      return await authorizing.checkResponder({ service: this.state.service, actor, responders });
    } catch (error) {
      // Fail closed: an action nobody could authorize is refused, and says why.
      return {
        allowed: false,
        reason: `could not check whether ${actor.by} may act: ${describeFailure(error)}`,
      };
    }
  }

  private apply(actor: Actor, request: ResponderAction, origin: ActionOrigin): string {
    switch (request.action) {
      case 'acknowledge':
        return this.acknowledge(actor, origin);
      case 'rollback':
        return this.queueRollback(actor, request.to, request.force === true);
      case 'hotfix':
        return this.queueHotfix(actor, request.sha);
      case 'lift-freeze':
        this.safety.lift(actor, `asked for through ${actor.channel}`);
        return 'deploy freeze lifted';
      case 'resolve':
        if (origin.inPagerDuty) this.resolvedInPagerDuty = true;
        this.resolve(actor, request.resolution ?? 'resolved by responder', origin.at);
        return 'incident resolved';
      case 'escalate':
        this.inBackground('escalation', async () => {
          await this.escalate(actor, `requested by ${actor.by}`);
        });
        return `escalation to level ${this.state.pagerDuty.escalationLevel + 1} requested`;
      case 'note':
        this.record('note', request.text, actor);
        return 'note added';
    }
  }

  private acknowledge(actor: Actor, origin: ActionOrigin): string {
    const at = origin.at ?? this.now();
    this.state.times.acknowledged = at;
    // An automatic rollback may already be running: acknowledging must not hide that.
    if (this.state.status === 'triggered' || this.state.status === 'paged') this.setStatus('acknowledged');
    this.record('acknowledged', `acknowledged by ${actor.by}`, actor, {
      at,
      timeSource: origin.at ? 'vendor' : 'workflow',
    });
    if (this.state.times.paged && !origin.inPagerDuty) {
      this.inBackground('acknowledge page', async () => {
        await paging.acknowledgePage({ service: this.state.service, dedupKey: this.dedupKey });
        this.record('page-acknowledged', 'PagerDuty alert acknowledged', ENGINE);
      });
    }
    return 'incident acknowledged';
  }

  /** `automatic` names the policy's reason when the engine, not a person, decided to roll back. */
  private queueRollback(actor: Actor, to: string | undefined, force: boolean, automatic?: string): string {
    const target = to ?? this.state.enrichment?.rollbackCandidate?.sha;
    if (!target) throw ApplicationFailure.nonRetryable('no rollback target', 'ActionRejected.invalid');
    const attempt = this.state.rollbacks.length + 1;
    const record: RollbackRecord = {
      requestId: `${this.state.id}-rollback-${attempt}`,
      targetSha: target,
      requestedBy: actor,
      requestedAt: this.now(),
      forced: force,
      ...(automatic ? { automatic: true } : {}),
    };
    this.state.rollbacks.push(record);
    this.pendingRollbacks.push(record);
    // A person choosing to roll back has answered the page; the engine doing so has not.
    if (!this.state.times.acknowledged && !automatic) this.state.times.acknowledged = record.requestedAt;
    this.setStatus('mitigating');
    const what = automatic
      ? `automatic rollback to ${target.slice(0, 12)}: ${automatic}`
      : `rollback to ${target.slice(0, 12)} requested`;
    this.record(automatic ? 'auto-rollback' : 'action', what, actor, {
      data: { requestId: record.requestId },
    });
    return `rollback to ${target.slice(0, 12)} started (request ${record.requestId})`;
  }

  /** The settings were read by the hotfix's checks, so the skipped checks are known here. */
  private queueHotfix(actor: Actor, sha: string): string {
    const record = this.safety.hotfixRecord(actor, sha, this.safety.hotfixSkips());
    this.state.rollbacks.push(record);
    this.pendingRollbacks.push(record);
    if (!this.state.times.acknowledged) this.state.times.acknowledged = record.requestedAt;
    this.setStatus('mitigating');
    this.record('action', `hotfix ${sha.slice(0, 12)} requested`, actor, {
      data: { requestId: record.requestId },
    });
    return `hotfix ${sha.slice(0, 12)} started (request ${record.requestId})`;
  }

  private async rollBack(record: RollbackRecord): Promise<void> {
    if (record.kind === 'hotfix') return this.safety.runHotfix(record);
    await this.safety.freeze(
      'rollback',
      `rollback to ${record.targetSha.slice(0, 12)} (incident ${this.state.id})`,
    );
    try {
      const result = await jenkinsBuild.runRollback({
        incidentId: this.state.id,
        service: this.state.service,
        targetSha: record.targetSha,
        requestId: record.requestId,
      });
      Object.assign(record, result, { finishedAt: this.now() });
    } catch (error) {
      if (isCancellation(error)) {
        this.record(
          'rollback-cancelled',
          `rollback to ${record.targetSha.slice(0, 12)} cancelled; its Jenkins build was aborted`,
          ENGINE,
        );
        throw error;
      }
      Object.assign(record, { result: 'ERROR', finishedAt: this.now() });
      this.fail('rollback-failed', `rollback to ${record.targetSha.slice(0, 12)} could not run`, error);
    }
    this.finishRollback(record);
  }

  private finishRollback(record: RollbackRecord): void {
    const target = record.targetSha.slice(0, 12);
    const build = record.buildNumber ? ` (build #${record.buildNumber})` : '';
    if (record.result === 'SUCCESS') {
      this.state.times.mitigated = record.finishedAt ?? this.now();
      if (this.state.status === 'mitigating') this.setStatus('mitigated');
      this.record('mitigated', `rollback to ${target} succeeded${build}`, ENGINE, {
        data: { buildUrl: record.buildUrl },
      });
      this.notify('rollback-succeeded', `${this.state.service}: rollback to ${target} succeeded`);
      this.inBackground('change event', () =>
        optional.recordChangeEvent({
          service: this.state.service,
          summary: `Rollback of ${this.state.service} to ${target} (incident ${this.state.id})`,
          details: {
            incident: this.state.id,
            targetSha: record.targetSha,
            build: record.buildUrl ?? null,
            automatic: record.automatic === true,
          },
          links: record.buildUrl ? [{ href: record.buildUrl, text: 'Rollback build' }] : [],
        }),
      );
      this.inBackground('rollback verification', () =>
        this.safety.verifyRecovery(record, () => this.isOver()),
      );
      return;
    }
    if (this.state.status === 'mitigating') this.setStatus('mitigation-failed');
    this.record(
      'mitigation-failed',
      `rollback to ${target} ended ${record.result ?? 'without a result'}${build}`,
      ENGINE,
      {
        data: { consoleTail: record.consoleTail ?? null },
      },
    );
    this.notify('rollback-failed', `${this.state.service}: rollback to ${target} FAILED (${record.result})`);
    this.safety.rePage(`rollback to ${target} ended ${record.result ?? 'without a result'}`);
  }

  private resolve(actor: Actor, resolution: string, at?: string): void {
    if (this.isOver()) return;
    this.statusBeforeResolution = this.state.status;
    this.state.times.resolved = at ?? this.now();
    this.state.resolution = resolution;
    this.state.resolvedBy = actor;
    this.setStatus('resolved');
    this.record('resolved', resolution, actor, {
      at: this.state.times.resolved,
      timeSource: at ? 'vendor' : 'workflow',
    });
  }

  // ---------- PagerDuty ----------

  /**
   * A verified webhook, translated by the API. Repeats are ignored; an action goes through the same
   * validation and authorization as one from the API, and a refusal is answered in PagerDuty.
   * Never throws: a signal handler's failure would fail the whole incident.
   */
  private async hearPagerDuty(delivery: PagerDutyDelivery): Promise<void> {
    if (!this.firstDelivery(delivery)) return;
    try {
      if (delivery.pagerDutyIncidentId) this.learnPagerDutyIncident({ id: delivery.pagerDutyIncidentId });
      const at = this.vendorTime(delivery.occurredAt);
      if (delivery.unreadable) return this.refuseInPagerDuty(delivery, delivery.unreadable, false);
      if (!delivery.action) {
        this.record('pagerduty', delivery.summary, delivery.actor, { at, timeSource: 'vendor' });
        return;
      }
      // PagerDuty echoing a change Firebreak made itself (or already knows about).
      if (delivery.statusChange && this.alreadyReflects(delivery.action)) return;
      await this.actFromPagerDuty(delivery, delivery.action, at);
    } catch (error) {
      this.fail(
        'pagerduty-event-failed',
        `PagerDuty event ${delivery.eventType} could not be handled`,
        error,
      );
    }
  }

  private async actFromPagerDuty(
    delivery: PagerDutyDelivery,
    request: ResponderAction,
    at: string,
  ): Promise<void> {
    const origin: ActionOrigin = delivery.statusChange ? { inPagerDuty: true, at } : {};
    try {
      this.validate({ actor: delivery.actor, request });
      const outcome = await this.act({ actor: delivery.actor, request }, origin);
      if (delivery.statusChange) return;
      // A command (note, incident workflow): say how it arrived, and answer where it was asked.
      this.record('pagerduty', `${delivery.summary}: ${outcome.message}`, delivery.actor, {
        at,
        timeSource: 'vendor',
      });
      this.replyInPagerDuty(`${FIREBREAK_NOTE_PREFIX} ${request.action}: ${outcome.message}`);
    } catch (error) {
      if (!(error instanceof ApplicationFailure && error.type?.startsWith('ActionRejected.'))) throw error;
      // A forbidden action was recorded by authorize(); other refusals are recorded here.
      this.refuseInPagerDuty(delivery, error.message, error.type === 'ActionRejected.forbidden');
    }
  }

  private refuseInPagerDuty(delivery: PagerDutyDelivery, reason: string, recorded: boolean): void {
    const what = delivery.action?.action ?? 'command';
    if (!recorded) this.record('action-refused', `${delivery.summary}: refused, ${reason}`, delivery.actor);
    this.replyInPagerDuty(`${FIREBREAK_NOTE_PREFIX} ${what} refused: ${reason}`);
  }

  private replyInPagerDuty(text: string): void {
    this.inBackground('PagerDuty note', () =>
      optional.notePagerDuty({
        service: this.state.service,
        dedupKey: this.dedupKey,
        pagerDutyIncidentId: this.state.pagerDuty.incidentId,
        text,
      }),
    );
  }

  private alreadyReflects(request: ResponderAction): boolean {
    if (request.action === 'acknowledge') return this.state.times.acknowledged !== null;
    if (request.action === 'resolve') return this.isOver();
    return false;
  }

  /** True the first time a delivery's event id or webhook id is seen. */
  private firstDelivery(delivery: PagerDutyDelivery): boolean {
    const ids = [delivery.eventId, delivery.webhookId].filter((id): id is string => Boolean(id));
    if (ids.some((id) => this.seenPagerDutyEvents.includes(id))) return false;
    this.seenPagerDutyEvents.push(...ids);
    const excess = this.seenPagerDutyEvents.length - SEEN_PAGERDUTY_EVENTS;
    if (excess > 0) this.seenPagerDutyEvents.splice(0, excess);
    return true;
  }

  /**
   * When it happened in PagerDuty (webhooks can arrive late), unless that is before the page or
   * after now by the workflow's clock: clocks disagree, and TTA must never come out negative.
   */
  private vendorTime(occurredAt: string | null): string {
    const now = new Date();
    const at = occurredAt ? Date.parse(occurredAt) : NaN;
    const paged = this.state.times.paged ? Date.parse(this.state.times.paged) : -Infinity;
    if (!Number.isFinite(at) || at > now.getTime() || at < paged) return now.toISOString();
    return new Date(at).toISOString();
  }

  // ---------- optional steps ----------

  /** A milestone for stakeholders and the ticket; any name, routed by the service's configuration. */
  notify(milestone: string, headline: string): void {
    this.stakeholders.milestone(milestone, headline);
  }

  private inBackground(what: string, step: () => Promise<void>): void {
    this.background.push(
      step().catch((error: unknown) => this.fail('optional-step-failed', `${what} failed`, error)),
    );
  }

  private async drainBackground(): Promise<void> {
    while (this.background.length > 0) await Promise.all(this.background.splice(0));
  }

  // ---------- bookkeeping ----------

  private setStatus(status: IncidentStatus): void {
    this.state.status = status;
    this.upsertAttributes();
  }

  private upsertAttributes(): void {
    if (this.input.indexed === false) return;
    const pagerDutyIncident = this.state.pagerDuty.incidentId;
    upsertSearchAttributes([
      { key: attributes.INCIDENT_ID, value: this.state.id },
      { key: attributes.SERVICE, value: this.state.service },
      { key: attributes.SEVERITY, value: this.state.severity },
      { key: attributes.STATUS, value: this.state.status },
      ...(pagerDutyIncident ? [{ key: attributes.PAGERDUTY_INCIDENT, value: pagerDutyIncident }] : []),
    ]);
  }

  private notePending(): void {
    const firing = this.state.alerts.filter((o) => o.alert.status === 'firing').length;
    this.record(
      'incident-opened',
      `incident opened with ${firing} firing alert(s), severity ${this.state.severity}`,
      ENGINE,
    );
  }

  private now(): string {
    return new Date(Math.max(Date.now(), this.clockFloorMs)).toISOString();
  }

  private clockReached(at: string | undefined): void {
    const ms = at ? Date.parse(at) : NaN;
    if (Number.isFinite(ms)) this.clockFloorMs = Math.max(this.clockFloorMs, ms);
  }

  private record(
    kind: string,
    message: string,
    actor: Actor,
    options: { at?: string; timeSource?: TimeSource; data?: Record<string, unknown> } = {},
  ): void {
    const entry: TimelineEntry = {
      at: options.at ?? this.now(),
      timeSource: options.timeSource ?? 'workflow',
      kind,
      message,
      actor,
      ...(options.data ? { data: options.data } : {}),
    };
    // A noisy incident's repetitive entries are counted past a cap instead of growing the state.
    if (!admitToTimeline(this.state, entry)) return;
    // Entries dated by their source (an alert's startsAt) can be older than the last one: keep time order.
    const timeline = this.state.timeline;
    let index = timeline.length;
    while (index > 0 && Date.parse((timeline[index - 1] as TimelineEntry).at) > Date.parse(entry.at))
      index -= 1;
    timeline.splice(index, 0, entry);
  }

  /** Records a swallowed failure: in the timeline and as a follow-up for the report. */
  private fail(kind: string, message: string, error: unknown): void {
    const reason = describeFailure(error);
    this.record(kind, `${message}: ${reason}`, ENGINE);
    this.state.followUps.push(`${message}: ${reason}`);
  }
}

/** How an action reached the workflow, when it matters: a change PagerDuty already made, and when. */
interface ActionOrigin {
  inPagerDuty?: boolean;
  at?: string;
}

/** How long the vendor asked to wait (activities/failures.ts puts it in the failure's details). */
function vendorWaitMs(error: unknown): number {
  const cause = failureOf(error);
  if (!(cause instanceof ApplicationFailure)) return 0;
  const details = cause.details?.[0] as { retryAfterMs?: unknown } | undefined;
  return typeof details?.retryAfterMs === 'number' ? details.retryAfterMs : 0;
}

function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  if (error instanceof ActionRejection) return error.message;
  return error instanceof Error ? error.message : String(error);
}
