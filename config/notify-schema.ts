// A service's stakeholder notifications: the default audience (`slackWebhook`, `emails` at the top)
// and any number of named audiences, each choosing the milestones and severities it hears about.
import { z } from 'zod';
import { ALL_MILESTONES, DEFAULT_AUDIENCE, DEFAULT_MILESTONES } from '../domain/notify-routing';
import { secret } from './secret';

const milestone = z
  .string()
  .regex(
    /^(\*|[a-z][a-z0-9-]*)$/,
    `milestones are names such as 'opened' or 'freeze-on', or '${ALL_MILESTONES}'`,
  );
const routing = {
  /** Absent: every severity. */
  severities: z.array(z.string().min(1)).min(1).optional(),
  milestones: z
    .array(milestone)
    .min(1)
    .default([...DEFAULT_MILESTONES]),
};

const audienceSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'audience names are lower-case letters, digits and dashes')
      .refine((name) => name !== DEFAULT_AUDIENCE, `'${DEFAULT_AUDIENCE}' is the top-level audience`),
    slackWebhook: secret.optional(),
    emails: z.array(z.email()).default([]),
    ...routing,
  })
  .strict()
  .refine((a) => a.slackWebhook !== undefined || a.emails.length > 0, {
    message: 'an audience needs a slackWebhook or emails',
  });

export const notifySchema = z
  .object({
    slackWebhook: secret.optional(),
    emails: z.array(z.email()).default([]),
    ...routing,
    audiences: z.array(audienceSchema).default([]),
  })
  .strict()
  .refine((n) => new Set(n.audiences.map((a) => a.name)).size === n.audiences.length, {
    message: 'audience names must be unique',
    path: ['audiences'],
  })
  .default({ emails: [], milestones: [...DEFAULT_MILESTONES], audiences: [] });

export type NotifyConfig = z.output<typeof notifySchema>;
