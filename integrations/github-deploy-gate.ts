// The deploy freeze as CI sees it: an open GitHub issue with the freeze label in the service's repo.
// Creating issues is not idempotent, so `raise` first looks for an open issue with the freeze's marker
// (contract §2.7: a retry after a timeout must not open a second freeze issue).
import type { GitHubClient } from './github';
import type { DeployGate, FreezeFlag, RaisedFlag, RepoRef } from './roles';

export class GitHubDeployGate implements DeployGate {
  constructor(private readonly github: GitHubClient) {}

  async raise(repo: RepoRef, flag: FreezeFlag): Promise<RaisedFlag> {
    const open = await this.github.findOpenIssues(repo, { labels: [flag.label] });
    const existing = open.find((issue) => issue.body?.includes(flag.marker));
    if (existing) return { number: existing.number, url: existing.url };
    const body = `${flag.body}\n\n${flag.marker}`;
    const created = await this.github.createIssue(repo, { title: flag.title, body, labels: [flag.label] });
    return { number: created.number, url: created.url };
  }

  async lower(repo: RepoRef, flagNumber: number, comment: string): Promise<void> {
    await this.github.commentOnIssue(repo, flagNumber, comment);
    await this.github.closeIssue(repo, flagNumber);
  }
}
