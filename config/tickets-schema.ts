// Tickets: the Jira sites (Cloud, Data Center) under `integrations`, and per service which tracker
// holds its incident tickets and when one is opened.
import { z } from 'zod';
import { secret } from './secret';

const url = z.url({ message: 'must be an absolute URL' });

export const jiraCloudSchema = z
  .object({
    /** https://<site>.atlassian.net */
    baseUrl: url,
    /** The Atlassian account whose API token this is. */
    email: z.email(),
    apiToken: secret,
  })
  .strict();

export const jiraDataCenterSchema = z.object({ baseUrl: url, personalAccessToken: secret }).strict();

const openOn = z.enum(['opened', 'first-action']).default('opened');

const jiraTickets = {
  /** The project key, e.g. OPS. */
  project: z.string().regex(/^[A-Z][A-Z0-9_]+$/, 'must be a Jira project key such as OPS'),
  issueType: z.string().min(1).default('Task'),
  /** Severity → Jira priority name; without an entry no priority is sent. */
  priorities: z.record(z.string().min(1), z.string().min(1)).default({}),
  /** Transition names tried in order at close; else any transition into a done status. */
  doneTransitions: z
    .array(z.string().min(1))
    .min(1)
    .default(['Done', 'Resolve', 'Resolved', 'Close', 'Closed']),
  openOn,
};

export const serviceTicketsSchema = z.discriminatedUnion('tracker', [
  z.object({ tracker: z.literal('jira'), ...jiraTickets }).strict(),
  z.object({ tracker: z.literal('jira-datacenter'), ...jiraTickets }).strict(),
  z
    .object({
      tracker: z.literal('github'),
      repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, 'must be owner/name'),
      openOn,
    })
    .strict(),
]);

export type ServiceTickets = z.output<typeof serviceTicketsSchema>;

/** Which `integrations` key each tracker needs. */
export const TRACKER_INTEGRATION = {
  jira: 'jira',
  'jira-datacenter': 'jiraDataCenter',
  github: 'github',
} as const;
