// GitHub Issues behind the TicketTracker role, on top of the GitHub client's issue calls. A ticket is
// an open issue labelled `firebreak-incident` whose body carries a hidden marker naming the incident
// (contracts/services.md §2.7: list by label, then match the marker), so a retried create finds it.
// The label list is read, not GitHub's search API, whose index lags behind a fresh issue.
import type { GitHubClient } from './github';
import { IntegrationError } from './errors';
import type {
  AttachedReport,
  RepoRef,
  TicketContent,
  TicketRef,
  TicketReport,
  TicketTarget,
  TicketTracker,
} from './roles';

export const TICKET_LABEL = 'firebreak-incident';
/** GitHub refuses a comment body longer than this many characters (422). */
export const COMMENT_MAX = 65_536;

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

  /**
   * GitHub Issues has no attachments: the Markdown report becomes a comment, cut to GitHub's comment
   * limit with a note and the report's link, and marked so a retry finds it instead of repeating it.
   */
  async attachReport(target: TicketTarget, ticket: TicketRef, report: TicketReport): Promise<AttachedReport> {
    const file = report.files.find((f) => f.filename.endsWith('.md')) ?? report.files[0];
    if (!file) return { attached: [], present: [], as: 'comment' };
    const repo = repoOf(target);
    const number = issueNumber(ticket);
    const marker = reportMarker(report.incidentId);
    const bodies = await this.github.issueComments(repo, number);
    if (bodies.some((body) => body.includes(marker))) {
      return { attached: [], present: [file.filename], as: 'comment' };
    }
    await this.github.commentOnIssue(repo, number, reportComment(file.content, report.url, marker));
    return { attached: [file.filename], present: [], as: 'comment' };
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

export function reportMarker(incidentId: string): string {
  return `<!-- firebreak-report:${incidentId} -->`;
}

/** The report, whole when it fits GitHub's limit; else cut at a line break, with where to read the rest. */
export function reportComment(markdown: string, url: string, marker: string): string {
  const tail = `\n\n${marker}\n`;
  const whole = `${markdown.trimEnd()}${tail}`;
  if (whole.length <= COMMENT_MAX) return whole;
  const note = `\n\n---\n\n_The report is longer than a GitHub comment holds; it is cut here. The whole report: ${url}_`;
  const room = COMMENT_MAX - note.length - tail.length;
  const cut = markdown.slice(0, room);
  const atLine = cut.lastIndexOf('\n');
  return `${(atLine > room / 2 ? cut.slice(0, atLine) : cut).trimEnd()}${note}${tail}`;
}
