// What the rollback's safety checks and the deploy freeze need from outside the workflow: the service's
// settings (a local read of the worker's config), whether a named commit exists, and the freeze flag
// CI looks at (a labelled GitHub issue in the service's repo).
import { parseDuration } from '../domain/policy';
import type { DeploySafetySettings } from '../domain/freeze';
import { IntegrationError } from '../integrations/errors';
import type { RaisedFlag, RepoRef } from '../integrations/roles';
import { serviceConfig, type ActivityDeps } from './deps';
import { callVendor } from './failures';

export interface CommitLookup {
  /** False when GitHub says there is no such commit; null when there is no repo to ask. */
  exists: boolean | null;
  /** The full SHA, when found. */
  sha: string | null;
  committedAt: string | null;
}

export interface FreezeFlagInput {
  service: string;
  title: string;
  body: string;
}

export interface LowerFlagInput {
  service: string;
  flagNumber: number;
  comment: string;
}

const HOUR_MS = 60 * 60_000;
const TEN_MINUTES_MS = 10 * 60_000;

export function createDeploySafetyActivities(deps: ActivityDeps) {
  const repoOf = (service: string): RepoRef | null => {
    const repo = serviceConfig(deps, service).github?.repo;
    if (!repo) return null;
    const [owner = '', name = ''] = repo.split('/');
    return { owner, name };
  };
  return {
    async readDeploySafety({ service }: { service: string }): Promise<DeploySafetySettings> {
      const config = serviceConfig(deps, service);
      return {
        staleAfterMs: parseDuration(config.rollback.staleAfter) ?? HOUR_MS,
        verifyWithinMs: parseDuration(config.rollback.verifyWithin) ?? TEN_MINUTES_MS,
        hotfixJob: config.hotfix?.job ?? null,
        hotfixSkips: config.hotfix?.skips ?? [],
        freezeLabel: config.freeze.label,
        freezeWhilePaging: config.freeze.whilePaging,
        repo: config.github?.repo ?? null,
      };
    },

    /** Whether a responder-named rollback target exists in the service's repo. */
    async lookUpCommit({ service, sha }: { service: string; sha: string }): Promise<CommitLookup> {
      const repo = repoOf(service);
      const github = deps.sourceHistory;
      if (!repo || !github) return { exists: null, sha: null, committedAt: null };
      try {
        // `commits/{ref}` takes a SHA as well as a branch.
        const commit = await github.latestCommit(repo, sha);
        return { exists: true, sha: commit.sha, committedAt: commit.committedAt || null };
      } catch (error) {
        // GitHub answers an unknown SHA with 422 (and 404 for a ref it cannot resolve at all).
        if (error instanceof IntegrationError && (error.status === 422 || error.status === 404)) {
          return { exists: false, sha: null, committedAt: null };
        }
        return callVendor(() => Promise.reject(error));
      }
    },

    /** Opens the service's freeze issue (or finds the one a previous attempt opened); null without a repo. */
    async raiseFreezeFlag(input: FreezeFlagInput): Promise<RaisedFlag | null> {
      const repo = repoOf(input.service);
      const gate = deps.deployGate;
      if (!repo || !gate) return null;
      const label = serviceConfig(deps, input.service).freeze.label;
      const marker = `<!-- firebreak-freeze:${input.service} -->`;
      return callVendor(() => gate.raise(repo, { title: input.title, body: input.body, label, marker }));
    },

    async lowerFreezeFlag(input: LowerFlagInput): Promise<void> {
      const repo = repoOf(input.service);
      const gate = deps.deployGate;
      if (!repo || !gate) return;
      await callVendor(() => gate.lower(repo, input.flagNumber, input.comment));
    },
  };
}
