// Enrichment: what changed in the service before the incident, and what a rollback would go back to.
// Two activities, so that a partial answer is usable: the deploy history (GitHub deployments or a
// Jenkins deploy job) first, then the change set between the rollback candidate and the current deploy.
// Answers a retry cannot change (404, 401, 403) become warnings that name the repo or job; answers it can
// (rate limits, 5xx, timeouts) fail the attempt, so Temporal retries after the wait the vendor asked for.
// `readEnrichmentQuickly` does both within the page's budget, for the workflow's local-activity fast path.
import { Context } from '@temporalio/activity';
import type { ServiceConfig } from '../config/schema';
import {
  STALE_CANDIDATE_MS,
  comparison,
  short,
  type ChangeSet,
  type DeployHistory,
  type DeployRef,
} from '../domain/enrichment';
import { between, formatDuration } from '../domain/timings';
import { IntegrationError } from '../integrations/errors';
import type { BuildState, DeploymentRecord, DeployTool, RepoRef, SourceHistory } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { notConfigured, toActivityFailure } from './failures';

export interface HistoryInput {
  service: string;
}

export interface ChangesInput {
  service: string;
  /** The rollback candidate. */
  base: string;
  /** The current deploy. */
  head: string;
}

export interface QuickEnrichmentInput {
  service: string;
  /** The page waits this long at most: the change set is left out if it is not read by then. */
  budgetMs: number;
}

export interface QuickEnrichment {
  history: DeployHistory | null;
  /** Null when there was nothing to compare or the comparison was not read within the budget. */
  changes: ChangeSet | null;
  /** When the reads ended (the workflow clock stands still in a local activity). */
  readAt: string;
}

/** Room left at the end of the budget for the answer to reach the workflow before its deadline. */
const BUDGET_MARGIN_MS = 150;

const DEPLOYMENTS_TO_SCAN = 30;

export function createEnrichActivities(deps: ActivityDeps) {
  const activities = {
    /** Null when the service has nowhere to read deploys from. */
    async readDeployHistory({ service }: HistoryInput): Promise<DeployHistory | null> {
      const config = serviceConfig(deps, service);
      const reader = new HistoryReader(deps.sourceHistory, config);
      const source = config.deployHistory;
      if (source.source === 'jenkins') {
        if (!deps.deployTool)
          throw notConfigured(`service '${service}' reads deploys from Jenkins, which is not configured`);
        return reader.fromJenkins(deps.deployTool, source.job, source.shaParameter);
      }
      if (!config.github || !deps.sourceHistory) return null;
      return reader.fromGitHub(deps.sourceHistory, config.github.environment);
    },

    /** candidate...current: the commits and files a rollback would take away (contract: direction matters). */
    async readChanges({ service, base, head }: ChangesInput): Promise<ChangeSet> {
      const config = serviceConfig(deps, service);
      if (!config.github || !deps.sourceHistory)
        throw notConfigured(`service '${service}' has no GitHub repo to compare deploys in`);
      return readChanges(deps.sourceHistory, config, base, head);
    },

    /**
     * History, then the changes if they can still be read within the budget: one local activity, so a
     * quick GitHub makes a complete page without a round trip through the server per read.
     */
    async readEnrichmentQuickly({ service, budgetMs }: QuickEnrichmentInput): Promise<QuickEnrichment> {
      const started = Date.now();
      const history = await activities.readDeployHistory({ service });
      const compare = history ? comparison(history) : null;
      const left = budgetMs - (Date.now() - started) - BUDGET_MARGIN_MS;
      if (!history || !compare || left <= 0) return { history, changes: null, readAt: now() };
      // A failed or late comparison leaves the history usable; the durable read retries the changes.
      const reading = activities.readChanges({ service, ...compare }).catch(() => null);
      const changes = await within(left, reading);
      return { history, changes, readAt: now() };
    },
  };
  return activities;
}

const now = (): string => new Date().toISOString();

/** The promise's value if it settles within `ms`, else null. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** One deploy as both histories describe it, newest first. */
interface DeployEvent {
  sha: string;
  id: number;
  url: string;
  /** True when this is (or was, for Jenkins) what production ran. */
  live: boolean;
  /** When it succeeded; null for deploys that never went live or later failed. */
  succeededAt: string | null;
}

class HistoryReader {
  private readonly warnings: string[] = [];
  private readonly repo: RepoRef | null;

  constructor(
    private readonly github: SourceHistory | null,
    private readonly config: ServiceConfig,
  ) {
    this.repo = config.github ? repoRef(config.github.repo) : null;
  }

  async fromGitHub(github: SourceHistory, environment: string): Promise<DeployHistory> {
    const name = this.config.github?.repo ?? '';
    const where = `${environment} deployments of ${name}`;
    const [latestCommit, deployments] = await Promise.all([
      this.latestCommit(),
      attempt(this.warnings, where, () =>
        github.deployments(
          this.repo as RepoRef,
          environment,
          DEPLOYMENTS_TO_SCAN,
          (read) => selectDeploys(read.map(fromDeployment)).candidate !== null,
        ),
      ),
    ]);
    const events = (deployments ?? []).map(fromDeployment);
    if (deployments && !events.some((e) => e.live)) {
      const failed = deployments.length ? ` (${deployments.length} listed, none live)` : '';
      this.warnings.push(`no successful ${environment} deployment of ${name}${failed}`);
    }
    return this.history('github', where, latestCommit, events);
  }

  async fromJenkins(jenkins: DeployTool, job: string, shaParameter: string): Promise<DeployHistory> {
    const where = `Jenkins job ${job} (${shaParameter})`;
    const [latestCommit, builds] = await Promise.all([
      this.latestCommit(),
      attempt(this.warnings, `the builds of Jenkins job ${job}`, () => jenkins.recentBuilds(job)),
    ]);
    const events = (builds ?? []).flatMap((b) => fromBuild(b, shaParameter));
    if (builds && events.length === 0)
      this.warnings.push(`no successful build of Jenkins job ${job} carries a ${shaParameter} parameter`);
    const history = this.history('jenkins', where, latestCommit, events);
    if (!this.repo && history.rollbackCandidate)
      history.warnings.push(
        'no GitHub repo configured: the commits and migrations between deploys are unknown',
      );
    return history;
  }

  private async latestCommit(): Promise<DeployHistory['latestCommit']> {
    const github = this.config.github;
    if (!github || !this.github || !this.repo) return null;
    const source = this.github;
    const repo = this.repo;
    const commit = await attempt(this.warnings, `the latest commit on ${github.repo}@${github.branch}`, () =>
      source.latestCommit(repo, github.branch),
    );
    return commit ?? null;
  }

  private history(
    source: DeployHistory['source'],
    deploysFrom: string,
    latestCommit: DeployHistory['latestCommit'],
    events: DeployEvent[],
  ): DeployHistory {
    const { current, candidate, recent } = selectDeploys(events);
    const readAt = new Date().toISOString();
    const age = candidate ? between(candidate.finishedAt, readAt) : null;
    if (current && !candidate)
      this.warnings.push(`no earlier successful deploy in ${deploysFrom} to roll back to`);
    if (candidate && age !== null && age > STALE_CANDIDATE_MS) {
      this.warnings.push(
        `rollback candidate ${short(candidate.sha)} went live ${formatDuration(age)} ago: ` +
          'more than an hour of changes would be undone; consider a hotfix',
      );
    }
    return {
      source,
      repo: this.config.github?.repo ?? null,
      branch: this.config.github?.branch ?? null,
      deploysFrom,
      latestCommit,
      currentDeploy: current,
      rollbackCandidate: candidate,
      rollbackCandidateAgeMs: age,
      recentDeploys: recent,
      readAt,
      attempts: currentAttempt(),
      warnings: this.warnings,
    };
  }
}

/**
 * Current: the newest live deploy. Candidate: the next older deploy that succeeded with another commit.
 * Recent: every deploy that succeeded, for the suspect deploy.
 */
function selectDeploys(events: DeployEvent[]): {
  current: DeployRef | null;
  candidate: DeployRef | null;
  recent: DeployRef[];
} {
  const index = events.findIndex((e) => e.live && e.succeededAt !== null);
  const current = events[index];
  const candidate = current
    ? events.slice(index + 1).find((e) => e.succeededAt !== null && e.sha !== current.sha)
    : undefined;
  return {
    current: current ? toDeployRef(current) : null,
    candidate: candidate ? toDeployRef(candidate) : null,
    recent: events.filter((e) => e.succeededAt !== null).map(toDeployRef),
  };
}

/** `inactive` after a success is a deploy superseded by a newer one: still a known-good target. */
function fromDeployment(d: DeploymentRecord): DeployEvent {
  const live = d.state === 'success';
  const succeeded = live || d.state === 'inactive';
  return {
    sha: d.sha,
    id: d.id,
    url: d.url,
    live,
    succeededAt: succeeded ? (d.succeededAt ?? (live ? (d.stateAt ?? d.createdAt) : null)) : null,
  };
}

/** Each finished SUCCESS build with a SHA was production in its time; the newest is what runs now. */
function fromBuild(build: BuildState, shaParameter: string): DeployEvent[] {
  const sha = build.parameters[shaParameter];
  if (build.building || build.result !== 'SUCCESS' || !sha) return [];
  const finished = new Date(Date.parse(build.startedAt) + build.durationMs).toISOString();
  return [{ sha, id: build.number, url: build.url, live: true, succeededAt: finished }];
}

function toDeployRef(e: DeployEvent): DeployRef {
  return { sha: e.sha, deploymentId: e.id, finishedAt: e.succeededAt ?? '', url: e.url };
}

async function readChanges(
  github: SourceHistory,
  config: ServiceConfig,
  base: string,
  head: string,
): Promise<ChangeSet> {
  const repo = config.github?.repo ?? '';
  const warnings: string[] = [];
  const what = `changes between ${short(base)} and ${short(head)} in ${repo}`;
  const comparison = await attempt(warnings, what, () => github.compare(repoRef(repo), base, head));
  const paths = config.policy.migrationPaths;
  const changes: ChangeSet = {
    known: comparison !== undefined,
    changes: comparison?.commits ?? [],
    migrations: (comparison?.files ?? [])
      .filter((f) => isMigration(f.filename, paths) || isMigration(f.previousFilename, paths))
      .map((f) => f.filename),
    changesPossiblyIncomplete: comparison?.filesPossiblyTruncated ?? false,
    compareUrl: comparison?.url ?? null,
    attempts: currentAttempt(),
    warnings,
  };
  if (changes.changesPossiblyIncomplete)
    warnings.push('GitHub listed 300 changed files (its cap): migrations may be missing from the list');
  return changes;
}

function isMigration(filename: string | undefined, migrationPaths: string[]): boolean {
  return filename !== undefined && migrationPaths.some((prefix) => filename.startsWith(prefix));
}

function repoRef(fullName: string): RepoRef {
  const [owner = '', name = ''] = fullName.split('/');
  return { owner, name };
}

/** Which attempt this is, so the timeline can say that a read needed retries. */
function currentAttempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1; // called outside an activity (never in production)
  }
}

/**
 * Runs one read. A failure a retry can fix (rate limit, 5xx, timeout) fails the activity with the vendor's
 * wait; any other becomes a warning, so the rest of the enrichment still arrives.
 */
async function attempt<T>(warnings: string[], what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof IntegrationError && error.retryable) throw toActivityFailure(error);
    const reason = error instanceof Error ? error.message : String(error);
    warnings.push(`could not read ${what}: ${reason}`);
    return undefined;
  }
}
