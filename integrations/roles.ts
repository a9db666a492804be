// The roles the incident flow depends on, one interface each (as in Netflix Dispatch's plugin bases).
// Activities know only these; one module per vendor implements them (pagerduty.ts, github.ts, ...).
// Every method throws IntegrationError (./errors) on failure and never retries by itself: retries
// belong to Temporal's activity retry policy.

// ---------- Pager: who gets woken up (PagerDuty) ----------

export type PageSeverity = 'critical' | 'error' | 'warning' | 'info';

export interface PageLink {
  href: string;
  text?: string;
}

export interface PageRequest {
  routingKey: string;
  /** Stable per incident, so a retried trigger lands on the same PagerDuty alert. Max 255 chars. */
  dedupKey: string;
  /** Truncated by the client to PagerDuty's 1,024-character limit. */
  summary: string;
  source: string;
  severity: PageSeverity;
  /** ISO 8601. */
  timestamp?: string;
  component?: string;
  group?: string;
  class?: string;
  customDetails: Record<string, unknown>;
  links: PageLink[];
}

export interface PageReceipt {
  dedupKey: string;
}

export interface ChangeRecord {
  routingKey: string;
  summary: string;
  source?: string;
  /** ISO 8601. */
  timestamp?: string;
  customDetails: Record<string, unknown>;
  links: PageLink[];
}

export interface OnCall {
  userId: string;
  userName: string;
  /** Null when PagerDuty did not include it. */
  userEmail: string | null;
  escalationLevel: number;
  /** ISO 8601, or null for a permanent on-call. */
  start: string | null;
  end: string | null;
}

/** The pager's own incident for a page (PagerDuty opens it asynchronously after a trigger). */
export interface PagerIncident {
  id: string;
  number: number;
  status: 'triggered' | 'acknowledged' | 'resolved';
  htmlUrl: string;
}

export interface PagerNote {
  id: string;
  content: string;
}

export interface Pager {
  trigger(page: PageRequest): Promise<PageReceipt>;
  acknowledge(routingKey: string, dedupKey: string): Promise<void>;
  resolve(routingKey: string, dedupKey: string): Promise<void>;
  /** A change event (rollback, hotfix): context on the PagerDuty service, never a notification. */
  recordChange(change: ChangeRecord): Promise<void>;
  whoIsOnCall(escalationPolicyId: string): Promise<OnCall[]>;
  /** The incident a trigger with this dedup key opened, null when there is none (yet: Events v2 is async). */
  incidentByDedupKey(dedupKey: string): Promise<PagerIncident | null>;
  /** The incident's notes, so a retried write can tell that it already happened. */
  notes(incidentId: string): Promise<PagerNote[]>;
  addNote(incidentId: string, content: string): Promise<{ id: string }>;
  /** Re-assigns the incident to an escalation level (absolute, so repeating it is harmless). */
  escalate(incidentId: string, level: number): Promise<void>;
  /** A user's email address, or null when the user is unknown. */
  userEmail(userId: string): Promise<string | null>;
}

// ---------- SourceHistory: what changed (GitHub) ----------

export interface RepoRef {
  owner: string;
  name: string;
}

export interface CommitSummary {
  sha: string;
  message: string;
  author: string;
  /** ISO 8601 committer date. */
  committedAt: string;
  url: string;
}

export type DeploymentState =
  'error' | 'failure' | 'inactive' | 'pending' | 'success' | 'queued' | 'in_progress';

export interface DeploymentRecord {
  id: number;
  sha: string;
  ref: string;
  environment: string;
  /** ISO 8601. */
  createdAt: string;
  /** State of the newest status, or null when the deployment has no status yet. */
  state: DeploymentState | null;
  /** created_at of the newest status (for `success`, when the deploy finished), or null. */
  stateAt: string | null;
  /**
   * created_at of the first `success` status, or null when it never succeeded. A deploy that was live
   * and later superseded (some deployers then post `inactive`) keeps it: it is a past successful deploy.
   */
  succeededAt: string | null;
  url: string;
}

export interface ChangedFile {
  filename: string;
  status: string;
  previousFilename?: string;
}

export interface Comparison {
  status: 'diverged' | 'ahead' | 'behind' | 'identical';
  aheadBy: number;
  behindBy: number;
  commits: Array<{ sha: string; message: string }>;
  files: ChangedFile[];
  /** GitHub lists at most 300 files: at the cap the list may be incomplete. */
  filesPossiblyTruncated: boolean;
  url: string;
}

export interface SourceHistory {
  latestCommit(repo: RepoRef, branch: string): Promise<CommitSummary>;
  /** Newest first, each with the state of its newest status. */
  /** Reads newest first and may stop early once `enough` says the deployments read so far suffice. */
  deployments(
    repo: RepoRef,
    environment: string,
    limit: number,
    enough?: (read: DeploymentRecord[]) => boolean,
  ): Promise<DeploymentRecord[]>;
  /** `compare/{base}...{head}`: commits in head not in base, files diffed from the merge base. */
  compare(repo: RepoRef, base: string, head: string): Promise<Comparison>;
}

// ---------- DeployTool: how a rollback runs (Jenkins) ----------

/** A job path with folders as slash-separated names, e.g. `payments/checkout-rollback`. */
export type JobPath = string;

export interface QueueRef {
  queueId: number;
  /** True when Jenkins folded the request into an existing queue item (303). */
  folded: boolean;
}

export interface QueueItemState {
  queueId: number;
  cancelled: boolean;
  /** Why it is still waiting (quiet period, blocked, ...), null once it left the queue. */
  why: string | null;
  /** Present once the item left the queue and Jenkins assigned a build. */
  build?: { number: number; url: string };
}

export type BuildResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'ABORTED' | 'NOT_BUILT';

export interface BuildState {
  number: number;
  url: string;
  building: boolean;
  /** Null while running. */
  result: BuildResult | null;
  /** ISO 8601 start time. */
  startedAt: string;
  durationMs: number;
  queueId: number | null;
  parameters: Record<string, string>;
}

export interface DeployTool {
  /** POST buildWithParameters; accepts 201 and 303 and reads Location without following it. */
  triggerBuild(job: JobPath, parameters: Record<string, string>): Promise<QueueRef>;
  /** Null when the queue item is gone (Jenkins purges left items after ~5 minutes). */
  queueItem(queueId: number): Promise<QueueItemState | null>;
  /** A waiting queue item of the job whose parameter `name` equals `value`, if any. */
  findQueuedByParameter(job: JobPath, name: string, value: string): Promise<QueueRef | null>;
  /** The newest recent build of the job whose parameter `name` equals `value`, if any. */
  findBuildByParameter(job: JobPath, name: string, value: string): Promise<BuildState | null>;
  findBuildByQueueId(job: JobPath, queueId: number): Promise<BuildState | null>;
  /** The job's recent builds (Jenkins lists up to 100), newest first, with their parameters. */
  recentBuilds(job: JobPath): Promise<BuildState[]>;
  build(job: JobPath, buildNumber: number): Promise<BuildState>;
  /** The last `maxBytes` of the console log. */
  consoleTail(job: JobPath, buildNumber: number, maxBytes: number): Promise<string>;
  stopBuild(job: JobPath, buildNumber: number): Promise<void>;
  /** Cancels a waiting queue item; an item that already left the queue is left alone. */
  cancelQueueItem(queueId: number): Promise<void>;
}

// ---------- DeployGate: where CI sees a deploy freeze (a labelled GitHub issue) ----------

export interface FreezeFlag {
  title: string;
  body: string;
  label: string;
  /** A stable marker of the freeze kept in the flag, so a retried raise finds the flag it made. */
  marker: string;
}

export interface RaisedFlag {
  number: number;
  url: string;
}

export interface DeployGate {
  /** Opens the flag, or returns the open one carrying the same marker and label (retries make no second). */
  raise(repo: RepoRef, flag: FreezeFlag): Promise<RaisedFlag>;
  /** Says why in a comment, then closes the flag; closing a closed flag is harmless. */
  lower(repo: RepoRef, flagNumber: number, comment: string): Promise<void>;
}

// ---------- Notifier: who else hears about it (Slack, email) ----------

export interface StakeholderMessage {
  incidentId: string;
  /** e.g. 'opened', 'rollback-succeeded', 'resolved'. */
  milestone: string;
  /**
   * Unique per update of the incident (e.g. `escalated-2`: a milestone can happen twice); the same on a
   * retry, so a re-sent update is recognisable as a duplicate. Defaults to the milestone.
   */
  updateId?: string;
  /** One line: what happened, e.g. "checkout: rollback to 4a0b7d succeeded". */
  headline: string;
  severity: string;
  service: string;
  status: string;
  /** Short facts a stakeholder needs (impact, what changed, next update), one per line. */
  facts: string[];
  links: PageLink[];
}

export interface SlackTarget {
  kind: 'slack';
  webhookUrl: string;
}

export interface EmailTarget {
  kind: 'email';
  to: string[];
}

export type NotifyTarget = SlackTarget | EmailTarget;

export interface Notifier<T extends NotifyTarget = NotifyTarget> {
  send(target: T, message: StakeholderMessage): Promise<void>;
}

// ---------- TicketTracker: the record that outlives the incident (Jira, GitHub Issues) ----------

/** Where a service's tickets go; which vendor serves it is the tracker's business. */
export interface TicketTarget {
  /** Jira project key (e.g. `OPS`), or GitHub `owner/name`. */
  project: string;
  /** Jira issue type name (e.g. `Incident`, `Task`); unused by GitHub. */
  issueType?: string;
  /** Jira priority name for the incident's severity, when the project has priorities on its create screen. */
  priority?: string;
  /** Transition names tried in order at close (Jira); any transition into a `done` status otherwise. */
  doneTransitions?: string[];
}

export interface TicketRef {
  /** `OPS-42`, or `#17` for a GitHub issue. */
  key: string;
  url: string;
}

/** Vendor-neutral text: each tracker renders it (ADF for Jira Cloud, plain text for Data Center, Markdown for GitHub). */
export interface TicketContent {
  /** One line; the ticket's summary or the comment's first line. */
  title: string;
  lines: string[];
  links: PageLink[];
}

export interface TicketTracker {
  /** The ticket already opened for the incident (found by its label), or null: the lookup before every create. */
  findForIncident(target: TicketTarget, incidentId: string): Promise<TicketRef | null>;
  /** Opens the incident's ticket, labelled so findForIncident finds it. Call findForIncident first. */
  open(target: TicketTarget, incidentId: string, content: TicketContent): Promise<TicketRef>;
  /** Adds a comment unless one carrying `marker` is already there (a retried call): true when added. */
  comment(target: TicketTarget, ticket: TicketRef, marker: string, content: TicketContent): Promise<boolean>;
  /** Moves the ticket to done (a transition looked up by name); `alreadyDone` when it was. */
  close(target: TicketTarget, ticket: TicketRef): Promise<{ alreadyDone: boolean; status: string }>;
  /**
   * The incident's report on the ticket: files attached where the tracker has attachments (Jira), the
   * Markdown as a comment where it has none (GitHub). Files already there under the same name are
   * skipped (a retried call), and named in `present`.
   */
  attachReport(target: TicketTarget, ticket: TicketRef, report: TicketReport): Promise<AttachedReport>;
}
export interface TicketFile {
  /** `<incident id>-report.md`: unique per incident, so the name alone tells a retry it is there. */
  filename: string;
  mimeType: string;
  content: string;
}
export interface TicketReport {
  incidentId: string;
  /** The Markdown rendering first: a tracker without attachments posts that one. */
  files: TicketFile[];
  /** Where the whole report is read (a comment that had to be cut links to it). */
  url: string;
}
export interface AttachedReport {
  /** Files added by this call. */
  attached: string[];
  /** Files found already there. */
  present: string[];
  /** How the tracker holds them: Jira attachments, or a GitHub comment. */
  as: 'attachment' | 'comment';
}
