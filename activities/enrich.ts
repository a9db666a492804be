// Enrichment: what changed in the service before the incident, and what a rollback would go back to.
// A partial answer is better than none: each GitHub problem becomes a warning, never a failure.
import type { DeployRef, Enrichment } from '../domain/enrichment';
import { IntegrationError } from '../integrations/errors';
import type { DeploymentRecord, RepoRef, SourceHistory } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';

export interface EnrichInput {
  service: string;
}

const DEPLOYMENTS_TO_SCAN = 30;

export function createEnrichActivities(deps: ActivityDeps) {
  return {
    async enrichIncident({ service }: EnrichInput): Promise<Enrichment | null> {
      const github = serviceConfig(deps, service).github;
      if (!github || !deps.sourceHistory) return null;
      const migrationPaths = serviceConfig(deps, service).policy.migrationPaths;
      return enrich(deps.sourceHistory, github.repo, github.branch, github.environment, migrationPaths);
    },
  };
}

async function enrich(
  history: SourceHistory,
  repoName: string,
  branch: string,
  environment: string,
  migrationPaths: string[],
): Promise<Enrichment> {
  const [owner = '', name = ''] = repoName.split('/');
  const repo: RepoRef = { owner, name };
  const result: Enrichment = {
    repo: repoName,
    branch,
    latestCommit: null,
    currentDeploy: null,
    rollbackCandidate: null,
    changes: [],
    migrations: [],
    changesPossiblyIncomplete: false,
    warnings: [],
  };
  const [commit, deployments] = await Promise.all([
    attempt(result, `latest commit on ${repoName}@${branch}`, () => history.latestCommit(repo, branch)),
    attempt(result, `${environment} deployments of ${repoName}`, () =>
      history.deployments(repo, environment, DEPLOYMENTS_TO_SCAN),
    ),
  ]);
  result.latestCommit = commit ?? null;
  const successful = (deployments ?? []).filter((d) => d.state === 'success');
  result.currentDeploy = successful[0] ? toDeployRef(successful[0]) : null;
  const candidate = successful.find((d) => result.currentDeploy && d.sha !== result.currentDeploy.sha);
  result.rollbackCandidate = candidate ? toDeployRef(candidate) : null;
  if (deployments && !result.currentDeploy)
    result.warnings.push(`no successful ${environment} deployment of ${repoName}`);
  if (result.currentDeploy && !result.rollbackCandidate) {
    result.warnings.push(`no earlier successful ${environment} deployment of ${repoName} to roll back to`);
  }
  if (result.currentDeploy && result.rollbackCandidate) {
    await addChanges(history, repo, result, migrationPaths);
  }
  return result;
}

async function addChanges(
  history: SourceHistory,
  repo: RepoRef,
  result: Enrichment,
  migrationPaths: string[],
) {
  const base = result.rollbackCandidate?.sha ?? '';
  const head = result.currentDeploy?.sha ?? '';
  // candidate...current: the commits and files a rollback would take away (contract: direction matters).
  const comparison = await attempt(
    result,
    `changes between ${base.slice(0, 12)} and ${head.slice(0, 12)}`,
    () => history.compare(repo, base, head),
  );
  if (!comparison) return;
  result.changes = comparison.commits;
  result.migrations = comparison.files
    .filter((f) => isMigration(f.filename, migrationPaths) || isMigration(f.previousFilename, migrationPaths))
    .map((f) => f.filename);
  result.changesPossiblyIncomplete = comparison.filesPossiblyTruncated;
  if (comparison.filesPossiblyTruncated) {
    result.warnings.push(
      'GitHub listed 300 changed files (its cap): migrations may be missing from the list',
    );
  }
}

function isMigration(filename: string | undefined, migrationPaths: string[]): boolean {
  return filename !== undefined && migrationPaths.some((prefix) => filename.startsWith(prefix));
}

function toDeployRef(deployment: DeploymentRecord): DeployRef {
  return {
    sha: deployment.sha,
    deploymentId: deployment.id,
    finishedAt: deployment.stateAt ?? deployment.createdAt,
    url: deployment.url,
  };
}

async function attempt<T>(result: Enrichment, what: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    const reason =
      error instanceof IntegrationError || error instanceof Error ? error.message : String(error);
    result.warnings.push(`could not read ${what}: ${reason}`);
    return undefined;
  }
}
