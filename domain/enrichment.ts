// What enrichment learned about the incident's service: "what changed?" and "what do we roll back to?".
// It arrives in two parts so the page can go out with the first while the second is still being read:
// the deploy history (what is live, what to roll back to) and the change set between those two deploys.
// Pure data and functions (bundled into workflow code).

export interface DeployRef {
  sha: string;
  /** The GitHub deployment id, or the Jenkins build number when the history comes from Jenkins. */
  deploymentId: number;
  /** ISO 8601: when the deploy first succeeded (GitHub success status, Jenkins build end). */
  finishedAt: string;
  url: string;
}

export type DeployHistorySource = 'github' | 'jenkins';

export interface CommitRef {
  sha: string;
  message: string;
  author: string;
  committedAt: string;
  url: string;
}

export interface DeployHistory {
  source: DeployHistorySource;
  /** `owner/name`, when the service has a GitHub repo (commits and compare come from it). */
  repo: string | null;
  branch: string | null;
  /** Where the deploys were read, for messages, e.g. `acme/shop production deployments`. */
  deploysFrom: string;
  latestCommit: CommitRef | null;
  currentDeploy: DeployRef | null;
  /** The previous successful production deploy with another commit: the default rollback target. */
  rollbackCandidate: DeployRef | null;
  /** How long before `readAt` the candidate's deploy finished. */
  rollbackCandidateAgeMs: number | null;
  /** Production deploys that succeeded (even if later superseded), newest first: where suspects come from. */
  recentDeploys: DeployRef[];
  /** ISO 8601, when the history was read (the activity's clock). */
  readAt: string;
  /** Activity attempts it took (more than one: the vendor failed or asked us to wait first). */
  attempts: number;
  /** Problems met while reading, each a sentence for the timeline. */
  warnings: string[];
}

export interface ChangeSet {
  /** False when the comparison could not be read: then nothing is known about commits or migrations. */
  known: boolean;
  /** Commits between the candidate and the current deploy, oldest first. */
  changes: Array<{ sha: string; message: string }>;
  /** Migration files changed between candidate and current (rolling back would not undo them). */
  migrations: string[];
  /** True when GitHub's 300-file cap means migrations could be missing from `migrations`. */
  changesPossiblyIncomplete: boolean;
  compareUrl: string | null;
  attempts: number;
  warnings: string[];
}

export interface Enrichment extends DeployHistory, Omit<ChangeSet, 'warnings' | 'known' | 'attempts'> {
  /** False until the change set was read, or found to be unneeded (nothing to compare). */
  changesRead: boolean;
}

/** A rollback target older than this deserves a warning: a hotfix may be the safer way forward. */
export const STALE_CANDIDATE_MS = 60 * 60 * 1000;

export function fromHistory(history: DeployHistory): Enrichment {
  return {
    ...history,
    warnings: [...history.warnings],
    changes: [],
    migrations: [],
    changesPossiblyIncomplete: false,
    compareUrl: null,
    changesRead: comparison(history) === null,
  };
}

export function withChanges(enrichment: Enrichment, changes: ChangeSet): Enrichment {
  return {
    ...enrichment,
    changes: changes.changes,
    migrations: changes.migrations,
    changesPossiblyIncomplete: changes.changesPossiblyIncomplete,
    compareUrl: changes.compareUrl,
    warnings: [...enrichment.warnings, ...changes.warnings],
    changesRead: changes.known,
  };
}

/** The comparison that tells what a rollback would take away (candidate...current), when there is one. */
export function comparison(history: DeployHistory): { base: string; head: string } | null {
  const base = history.rollbackCandidate?.sha;
  const head = history.currentDeploy?.sha;
  if (!history.repo || !base || !head) return null;
  return { base, head };
}

export const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 12) : 'n/a');

/** The first line of a commit message. */
export const headline = (message: string): string => message.split('\n')[0] ?? '';
