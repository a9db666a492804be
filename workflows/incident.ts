// The incident workflow: one run owns one incident from its first alert to its archived report.
// It reads as the lifecycle in DESIGN.md: enrich → page → wait for the responder (from the API, the
// CLI or PagerDuty), for the escalation timer or for monitoring → act (rollback) → resolve → report.
// Every side effect is an activity; optional steps (notifications) run beside the critical path and
// only ever leave a timeline entry and a follow-up when they fail.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
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
import { DEFAULT_POLICY, isListedResponder, type ResponderPolicy } from '../domain/policy';
import { formatDuration, suspectDeploy } from '../domain/timings';
import type { Alert, AlertBatch } from '../domain/alert';
import { incidentIdFor } from '../domain/ids';
import {
  allAlertsResolved,
  higherSeverity,
  type IncidentState,
  type IncidentStatus,
  type RollbackRecord,
  type TimelineEntry,
  type TimeSource,
} from '../domain/incident';
import { buildReport, renderMarkdown, type IncidentReport } from '../domain/report';
import * as attributes from '../domain/search-attributes';
import type { ResponderVerdict } from '../activities/policy';
import type { PagerIncident, StakeholderMessage } from '../integrations/roles';
import { actionUpdate, alertsSignal, intakeReceiptQuery, pagerDutySignal, stateQuery } from './messages';

export interface IncidentInput {
  /** The grouping key intake chose (by default the service). */
  group: string;
  service: string;
  /** Alerts that arrived while the previous incident of this group was closing (continue-as-new). */
  carriedOver?: AlertBatch[];
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

// Timeouts and retries, named for what they protect.
const enrichment = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 3 },
});
/** Paging is absolutely required: keep trying for ~30 minutes before declaring it failed. */
const paging = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  scheduleToCloseTimeout: '30 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
});
/** The service's policy, read once at the start; the defaults apply if it cannot be read. */
const configRead = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
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
/** A rollback build can take many minutes; heartbeats tell a dead worker from a slow build. */
const jenkinsBuild = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '60 minutes',
  heartbeatTimeout: '10 seconds',
  retry: { initialInterval: '2 seconds', maximumInterval: '30 seconds', maximumAttempts: 10 },
});
/** Optional steps: a few tries, then a follow-up in the report. */
const optional = proxyActivities<IncidentActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 5,
  },
});

export async function incidentWorkflow(input: IncidentInput): Promise<IncidentReport> {
  const incident = new Incident(input);
  incident.listen();
  for (const batch of input.carriedOver ?? []) incident.applyAlerts(batch);

  await condition(() => incident.state.alerts.length > 0);
  incident.announce();
  await incident.loadPolicy();

  await incident.enrich();
  if (incident.state.status !== 'resolved') await incident.page();
  incident.notify('opened', `${incident.state.service}: incident opened (${incident.state.title})`);

  await incident.respondUntilResolved();
  return incident.close();
}

/** The incident's state and the steps that change it. */
class Incident {
  readonly state: IncidentState;
  private readonly input: IncidentInput;
  private openedByDelivery: string | null = null;
  private readonly pendingRollbacks: RollbackRecord[] = [];
  private readonly background: Array<Promise<void>> = [];
  private readonly lateBatches: AlertBatch[] = [];
  private dedupKey: string;
  /** Ids of PagerDuty webhooks already handled (bounded): PagerDuty delivers at least once. */
  private readonly seenPagerDutyEvents: string[] = [];
  /** A person took an action other than a note: the auto-rollback policy stands down. */
  private responderActed = false;
  /** PagerDuty already has the incident resolved: resolving the page again would be noise. */
  private resolvedInPagerDuty = false;

  constructor(input: IncidentInput) {
    const info = workflowInfo();
    this.input = input;
    const id = incidentIdFor(info.workflowId, info.runId);
    this.dedupKey = id;
    this.state = {
      id,
      workflowId: info.workflowId,
      service: input.service,
      severity: 'info',
      title: '',
      status: 'triggered',
      alerts: [],
      enrichment: null,
      policy: { ...DEFAULT_POLICY },
      pagerDuty: { incidentId: null, incidentNumber: null, url: null, escalationLevel: 1 },
      times: {
        impactStart: null,
        detected: null,
        paged: null,
        acknowledged: null,
        mitigated: null,
        resolved: null,
        closed: null,
      },
      rollbacks: [],
      resolution: null,
      resolvedBy: null,
      followUps: [],
      timeline: [],
    };
  }

  listen(): void {
    setHandler(alertsSignal, (batch) => this.applyAlerts(batch));
    setHandler(stateQuery, () => this.state);
    setHandler(intakeReceiptQuery, () => ({
      incidentId: this.state.id,
      status: this.state.status,
      openedByDelivery: this.openedByDelivery,
    }));
    setHandler(actionUpdate, (request) => this.act(request), {
      validator: (request) => this.validate(request),
    });
    setHandler(pagerDutySignal, (delivery) => this.hearPagerDuty(delivery));
  }

  // ---------- alerts ----------

  applyAlerts(batch: AlertBatch): void {
    if (this.state.status === 'resolved' || this.state.status === 'closed') {
      // This incident is closing; alerts that fire now belong to the next incident of the group.
      if (batch.alerts.some((a) => a.status === 'firing')) this.lateBatches.push(batch);
      return;
    }
    if (this.openedByDelivery === null) {
      this.openedByDelivery = batch.deliveryId;
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
    if (allAlertsResolved(this.state.alerts) && batch.truncated === 0) {
      this.resolve(MONITORING, 'all alerts resolved by monitoring');
    }
  }

  private applyAlert(alert: Alert, receivedAt: string): void {
    const known = this.state.alerts.find((o) => o.key === alert.occurrenceKey);
    if (!known) {
      this.state.alerts.push({
        key: alert.occurrenceKey,
        alert,
        firstSeenAt: receivedAt,
        lastSeenAt: receivedAt,
        notifications: 1,
      });
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
    known.lastSeenAt = receivedAt;
    known.notifications += 1;
    if (known.alert.status !== alert.status) {
      known.alert = alert;
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
    this.state.severity =
      this.state.alerts.length === 1 ? alert.severity : higherSeverity(before, alert.severity);
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

  async enrich(): Promise<void> {
    try {
      const result = await enrichment.enrichIncident({ service: this.state.service });
      this.state.enrichment = result;
      if (!result) {
        this.record('enrichment-skipped', 'no source repository configured for this service', ENGINE);
        return;
      }
      const current = result.currentDeploy?.sha.slice(0, 12) ?? 'unknown';
      const candidate = result.rollbackCandidate?.sha.slice(0, 12) ?? 'none';
      this.record('enriched', `current deploy ${current}, rollback candidate ${candidate}`, ENGINE, {
        data: { migrations: result.migrations, commits: result.changes.length },
      });
      for (const warning of result.warnings) this.record('enrichment-warning', warning, ENGINE);
      if (result.migrations.length > 0) {
        this.record(
          'safety-warning',
          `migrations changed since the rollback candidate: ${result.migrations.join(', ')}`,
          ENGINE,
        );
      }
    } catch (error) {
      // Enrichment is optional: the page goes out without it.
      this.fail('enrichment-failed', 'enrichment failed; paging without it', error);
    }
  }

  async page(): Promise<void> {
    try {
      const receipt = await paging.pageResponder({
        incidentId: this.state.id,
        dedupKey: this.dedupKey,
        service: this.state.service,
        severity: this.state.severity,
        title: this.state.title,
        impactStart: this.state.times.impactStart,
        alerts: this.state.alerts.map((o) => o.alert),
        enrichment: this.state.enrichment,
      });
      this.state.times.paged = new Date().toISOString();
      if (this.state.status === 'triggered') this.setStatus('paged');
      this.record('paged', `paged through PagerDuty (dedup key ${receipt.dedupKey})`, ENGINE);
    } catch (error) {
      this.fail('page-failed', 'PAGING FAILED: nobody was paged by Firebreak', error);
      return;
    }
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
      return !refusedOutright(error);
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
    try {
      this.validate({ actor: ENGINE, request: { action: 'rollback' } });
    } catch (error) {
      this.record('auto-rollback-skipped', `automatic rollback skipped: ${describeFailure(error)}`, ENGINE);
      return;
    }
    this.queueRollback(ENGINE, undefined, false, `no responder action within ${formatDuration(afterMs)}`);
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

  async respondUntilResolved(): Promise<void> {
    while (this.state.status !== 'resolved') {
      await condition(() => this.pendingRollbacks.length > 0 || this.state.status === 'resolved');
      const rollback = this.pendingRollbacks.shift();
      if (rollback) await this.rollBack(rollback);
    }
  }

  async close(): Promise<IncidentReport> {
    if (this.state.times.paged && !this.resolvedInPagerDuty) {
      this.inBackground('resolve page', async () => {
        await paging.resolvePage({ service: this.state.service, dedupKey: this.dedupKey });
        this.record('page-resolved', 'PagerDuty alert resolved', ENGINE);
      });
    }
    this.notify('resolved', `${this.state.service}: incident resolved`);
    await this.drainBackground();
    this.state.times.closed = new Date().toISOString();
    this.setStatus('closed');
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
      await continueAsNew<typeof incidentWorkflow>({ ...this.input, carriedOver: this.lateBatches });
    }
    return report;
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
    if (actor.channel !== 'workflow' && request.action !== 'note') this.responderActed = true;
    const message = this.apply(actor, request, origin);
    return { incidentId: this.state.id, action: request.action, status: this.state.status, message };
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
    const at = origin.at ?? new Date().toISOString();
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
      requestedAt: new Date().toISOString(),
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

  private async rollBack(record: RollbackRecord): Promise<void> {
    try {
      const result = await jenkinsBuild.runRollback({
        incidentId: this.state.id,
        service: this.state.service,
        targetSha: record.targetSha,
        requestId: record.requestId,
      });
      Object.assign(record, result, { finishedAt: new Date().toISOString() });
    } catch (error) {
      Object.assign(record, { result: 'ERROR', finishedAt: new Date().toISOString() });
      this.fail('rollback-failed', `rollback to ${record.targetSha.slice(0, 12)} could not run`, error);
    }
    this.finishRollback(record);
  }

  private finishRollback(record: RollbackRecord): void {
    const target = record.targetSha.slice(0, 12);
    const build = record.buildNumber ? ` (build #${record.buildNumber})` : '';
    if (record.result === 'SUCCESS') {
      this.state.times.mitigated = record.finishedAt ?? new Date().toISOString();
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
  }

  private resolve(actor: Actor, resolution: string, at?: string): void {
    if (this.isOver()) return;
    this.state.times.resolved = at ?? new Date().toISOString();
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

  notify(milestone: string, headline: string): void {
    const message: StakeholderMessage = {
      incidentId: this.state.id,
      milestone,
      headline,
      severity: this.state.severity,
      service: this.state.service,
      status: this.state.status,
      facts: this.facts(),
      links: [],
    };
    this.inBackground(`slack ${milestone}`, async () => {
      const sent = await optional.notifySlack({ service: this.state.service, message });
      if (sent) this.record('notified', `Slack: ${milestone}`, ENGINE);
    });
    this.inBackground(`email ${milestone}`, async () => {
      const sent = await optional.notifyEmail({ service: this.state.service, message });
      if (sent) this.record('notified', `email: ${milestone}`, ENGINE);
    });
  }

  private facts(): string[] {
    const facts = [
      `Status: ${this.state.status}`,
      `Impact since: ${this.state.times.impactStart ?? 'unknown'}`,
    ];
    const deploy = this.state.enrichment?.currentDeploy;
    if (deploy) facts.push(`Current deploy: ${deploy.sha.slice(0, 12)} (finished ${deploy.finishedAt})`);
    const rollback = this.state.rollbacks.at(-1);
    if (rollback)
      facts.push(`Rollback to ${rollback.targetSha.slice(0, 12)}: ${rollback.result ?? 'in progress'}`);
    return facts;
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

  private record(
    kind: string,
    message: string,
    actor: Actor,
    options: { at?: string; timeSource?: TimeSource; data?: Record<string, unknown> } = {},
  ): void {
    const entry: TimelineEntry = {
      at: options.at ?? new Date().toISOString(),
      timeSource: options.timeSource ?? 'workflow',
      kind,
      message,
      actor,
      ...(options.data ? { data: options.data } : {}),
    };
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

/** PagerDuty (or our configuration) said no: retrying will not change the answer. */
function refusedOutright(error: unknown): boolean {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  return cause instanceof ApplicationFailure && cause.nonRetryable === true;
}

function describeFailure(error: unknown): string {
  if (error instanceof ActivityFailure && error.cause) return error.cause.message;
  if (error instanceof ActionRejection) return error.message;
  return error instanceof Error ? error.message : String(error);
}
