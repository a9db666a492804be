// The safety checks a rollback passes before anything runs: not onto what is already live, not onto a
// commit that does not exist, only onto a known successful production deploy, not across migrations
// (rolling the code back does not roll the schema back), and a warning when the target is stale.
// Pure, so the workflow runs it deterministically; the workflow gathers the facts (activities) first.
import { sameCommit } from './actions';
import { short, type DeployRef } from './enrichment';
import { formatDuration } from './timings';

/** What is known about the rollback target when the checks run. */
export interface RollbackTargetFacts {
  /** The SHA as the responder named it (or the candidate's). */
  sha: string;
  /** The deploy in the known production history with this commit, when there is one (it succeeded). */
  knownDeploy: DeployRef | null;
  /** Whether the commit exists in the service's repo; null when nobody could tell (no repo, GitHub down). */
  commitExists: boolean | null;
  /** The live deploy's commit, null when unknown. */
  currentSha: string | null;
  /** Migration files changed between the target and the current deploy. */
  migrations: string[];
  /** False when the changes between target and current could not be read. */
  changesKnown: boolean;
  /** GitHub's 300-file cap was hit: migrations may be missing from the list. */
  changesPossiblyIncomplete: boolean;
}

export interface SafetyOptions {
  force: boolean;
  /** A target that went live longer ago than this is stale. */
  staleAfterMs: number;
  /** Now, by the workflow's clock (epoch ms). */
  now: number;
}

export interface SafetyVerdict {
  allowed: boolean;
  /** Why the rollback may not run, each a sentence. */
  refusals: string[];
  /** What the responder should know although it runs (or what `force` overrode). */
  warnings: string[];
  /** What to do about a refusal, step by step (migrations). */
  instructions: string[];
}

export function checkRollbackSafety(target: RollbackTargetFacts, options: SafetyOptions): SafetyVerdict {
  const verdict: SafetyVerdict = { allowed: true, refusals: [], warnings: [], instructions: [] };
  if (target.currentSha && sameCommit(target.sha, target.currentSha)) {
    refuse(verdict, `target ${short(target.sha)} equals the current deploy: nothing to roll back`);
    return verdict;
  }
  if (target.commitExists === false) {
    refuse(verdict, `commit ${short(target.sha)} was not found in the service's repo`);
    return verdict;
  }
  checkKnownDeploy(verdict, target, options.force);
  checkStale(verdict, target, options);
  checkMigrations(verdict, target, options.force);
  return verdict;
}

function checkKnownDeploy(verdict: SafetyVerdict, target: RollbackTargetFacts, force: boolean): void {
  if (target.knownDeploy) return;
  const what = `${short(target.sha)} is not a known successful production deploy`;
  if (force) verdict.warnings.push(`forced: ${what}`);
  else refuse(verdict, `${what}; name one from the deploy history, or add force to roll back to it anyway`);
}

function checkStale(verdict: SafetyVerdict, target: RollbackTargetFacts, options: SafetyOptions): void {
  const finishedAt = target.knownDeploy ? Date.parse(target.knownDeploy.finishedAt) : NaN;
  if (!Number.isFinite(finishedAt)) return;
  const ageMs = options.now - finishedAt;
  if (ageMs <= options.staleAfterMs) return;
  verdict.warnings.push(
    `target ${short(target.sha)} went live ${formatDuration(ageMs)} ago, more than ${formatDuration(options.staleAfterMs)}: ` +
      `everything merged since is rolled back too; consider a hotfix instead (hotfix with the fixed sha)`,
  );
}

function checkMigrations(verdict: SafetyVerdict, target: RollbackTargetFacts, force: boolean): void {
  if (!target.changesKnown) {
    verdict.warnings.push(
      `the changes between ${short(target.sha)} and the current deploy could not be read: migrations are unknown`,
    );
    return;
  }
  if (target.changesPossiblyIncomplete) {
    verdict.warnings.push('GitHub listed 300 changed files: migrations may be missing from the check');
  }
  if (target.migrations.length === 0) return;
  const list = target.migrations.join(', ');
  if (force) {
    verdict.warnings.push(`forced past migrations changed since ${short(target.sha)}: ${list}`);
    return;
  }
  refuse(verdict, `migrations changed between ${short(target.sha)} and the current deploy: ${list}`);
  verdict.instructions.push(...migrationInstructions(target.migrations));
}

/** How to get past a migration refusal; rolling the code back leaves the schema where it is. */
export function migrationInstructions(migrations: string[]): string[] {
  const newestFirst = [...migrations].sort().reverse();
  const steps = newestFirst.map((file) => {
    const version = /(\d{8,})/.exec(file.split('/').at(-1) ?? '')?.[1];
    return version
      ? `roll back ${file} (version ${version}, e.g. \`bin/rails db:migrate:down VERSION=${version}\` or your tool's down step)`
      : `roll back ${file} with your migration tool's down step`;
  });
  return [
    'A rollback restores the code, not the database schema: the target may not run against the current schema.',
    ...steps.map((step, i) => `${i + 1}. ${step}`),
    'Then roll back again with force; or, if the target is known to work with the new schema, roll back with force now; or ship a hotfix instead.',
  ];
}

function refuse(verdict: SafetyVerdict, reason: string): void {
  verdict.allowed = false;
  verdict.refusals.push(reason);
}

/** One line for the timeline, the page note and the outcome. */
export function describeVerdict(verdict: SafetyVerdict): string {
  const parts = [
    ...verdict.refusals.map((r) => `refused: ${r}`),
    ...verdict.warnings.map((w) => `warning: ${w}`),
  ];
  return parts.length ? parts.join('; ') : 'all safety checks passed';
}
