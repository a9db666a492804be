// GitHub Issues behind the TicketTracker role, on top of the GitHub client's issue calls. A ticket is
// an open issue labelled `firebreak-incident` whose body carries a hidden marker naming the incident
// (contracts/services.md §2.7: list by label, then match the marker), so a retried create finds it.
// The label list is read, not GitHub's search API, whose index lags behind a fresh issue.
import type { GitHubClient } from './github';
import { IntegrationError } from './errors';
import type { RepoRef, TicketContent, TicketRef, TicketTarget, TicketTracker } from './roles';

export const TICKET_LABEL = 'firebreak-incident';

/** Hidden in the rendered issue, visible to the lookup. */
export function incidentMarker(incidentId: string): string {
  return `<!-- firebreak-incident:${incidentId} -->`;
}

export class GitHubIssuesTracker implements TicketTracker {
  constructor(private readonly github: GitHubClient) {}

  async findForIncident(target: TicketTarget, incidentId: string): Promise<TicketRef | null> {
    const open = await this.github.findOpenIssues(repoOf(target), { labels: [TICKET_LABEL] });
    const marker = incidentMarker(incidentId);
    const issue = open.filter((i) => i.body?.includes(marker)).sort((a, b) => a.number - b.number)[0];
    return issue ? { key: `#${issue.number}`, url: issue.url } : null;
  }

  async open(target: TicketTarget, incidentId: string, content: TicketContent): Promise<TicketRef> {
    const issue = await this.github.createIssue(repoOf(target), {
      title: content.title.slice(0, 256),
      body: `${markdown(content)}\n\n${incidentMarker(incidentId)}\n`,
      labels: [TICKET_LABEL],
    });
    return { key: `#${issue.number}`, url: issue.url };
  }

  async comment(
    target: TicketTarget,
    ticket: TicketRef,
    marker: string,
    content: TicketContent,
  ): Promise<boolean> {
    const repo = repoOf(target);
    const number = issueNumber(ticket);
    const hidden = `<!-- ${marker.replace(/--/g, '—')} -->`;
    const bodies = await this.github.issueComments(repo, number);
    if (bodies.some((body) => body.includes(hidden))) return false;
    await this.github.commentOnIssue(repo, number, `${markdown(content)}\n\n${hidden}\n`);
    return true;
  }

  async close(target: TicketTarget, ticket: TicketRef): Promise<{ alreadyDone: boolean; status: string }> {
    // Closing a closed issue changes nothing, so a retry needs no look first.
    await this.github.closeIssue(repoOf(target), issueNumber(ticket));
    return { alreadyDone: false, status: 'closed' };
  }
}

function repoOf(target: TicketTarget): RepoRef {
  const [owner, name] = target.project.split('/');
  if (!owner || !name) {
    throw new IntegrationError(`'${target.project}' is not a GitHub owner/name`, {
      vendor: 'github',
      code: 'ECONFIG',
      retryable: false,
    });
  }
  return { owner, name };
}

function issueNumber(ticket: TicketRef): number {
  return Number(ticket.key.replace(/^#/, ''));
}

function markdown(content: TicketContent): string {
  const links = content.links
    .filter((l) => /^https?:\/\//i.test(l.href))
    .map((l) => `- [${(l.text ?? l.href).replace(/[[\]]/g, '')}](${l.href})`);
  // Blank lines between facts: Markdown joins single-newline lines into one paragraph.
  return [`**${content.title}**`, ...content.lines, ...(links.length ? [links.join('\n')] : [])].join('\n\n');
}
