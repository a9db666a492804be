// What enrichment learned about the incident's service: "what changed?" and "what do we roll back to?".

export interface DeployRef {
  sha: string;
  deploymentId: number;
  /** ISO 8601: when the deploy finished (its success status), or when it was created if unknown. */
  finishedAt: string;
  url: string;
}

export interface Enrichment {
  repo: string;
  branch: string;
  latestCommit: { sha: string; message: string; author: string; committedAt: string; url: string } | null;
  currentDeploy: DeployRef | null;
  /** The previous successful production deploy: the default rollback target. */
  rollbackCandidate: DeployRef | null;
  /** Commits between the candidate and the current deploy. */
  changes: Array<{ sha: string; message: string }>;
  /** Migration files changed between candidate and current (rolling back would not undo them). */
  migrations: string[];
  /** True when GitHub's 300-file cap means migrations could be missing from `migrations`. */
  changesPossiblyIncomplete: boolean;
  /** Problems met while enriching, each a sentence for the timeline. */
  warnings: string[];
}
