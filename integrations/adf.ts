// Atlassian Document Format for Jira Cloud (REST v3): descriptions and comments must be ADF
// documents, not strings (contracts/services.md §3.1). Builds the few node types Firebreak needs
// (paragraphs, a bullet list, links) and never an empty text node, which Jira rejects.
import type { PageLink, TicketContent } from './roles';

export interface AdfMark {
  type: 'strong' | 'em' | 'code' | 'link';
  attrs?: { href: string };
}

export interface AdfText {
  type: 'text';
  text: string;
  marks?: AdfMark[];
}

export interface AdfParagraph {
  type: 'paragraph';
  content: AdfText[];
}

export interface AdfBulletList {
  type: 'bulletList';
  content: Array<{ type: 'listItem'; content: AdfParagraph[] }>;
}

export type AdfBlock = AdfParagraph | AdfBulletList;

export interface AdfDocument {
  type: 'doc';
  version: 1;
  content: AdfBlock[];
}

/** The title in bold, each line as a paragraph, the links as a bullet list of hyperlinks. */
export function toAdf(content: TicketContent): AdfDocument {
  const blocks: AdfBlock[] = [];
  const title = content.title.trim();
  if (title) blocks.push(paragraph([{ type: 'text', text: title, marks: [{ type: 'strong' }] }]));
  for (const line of content.lines) {
    const text = line.trim();
    if (text) blocks.push(paragraph([{ type: 'text', text }]));
  }
  const links = content.links.filter((link) => /^https?:\/\//i.test(link.href));
  if (links.length > 0) blocks.push(bulletList(links.map(linkText)));
  // Jira refuses a document without content.
  if (blocks.length === 0) blocks.push(paragraph([{ type: 'text', text: '-' }]));
  return { type: 'doc', version: 1, content: blocks };
}

/** Everything the document says, as plain text (for looking a marker up in a stored comment). */
export function adfPlainText(node: unknown): string {
  if (typeof node !== 'object' || node === null) return '';
  const record = node as { text?: unknown; content?: unknown };
  const own = typeof record.text === 'string' ? record.text : '';
  const children = Array.isArray(record.content) ? record.content.map(adfPlainText).join('\n') : '';
  return own + children;
}

function paragraph(content: AdfText[]): AdfParagraph {
  return { type: 'paragraph', content };
}

function bulletList(items: AdfText[]): AdfBulletList {
  return {
    type: 'bulletList',
    content: items.map((item) => ({ type: 'listItem', content: [paragraph([item])] })),
  };
}

function linkText(link: PageLink): AdfText {
  return {
    type: 'text',
    text: link.text?.trim() || link.href,
    marks: [{ type: 'link', attrs: { href: link.href } }],
  };
}
