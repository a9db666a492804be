// A service's rollback safety, hotfix path and deploy freeze: how old a rollback target may be before
// Firebreak suggests a hotfix instead, how long monitoring has to recover after a rollback, which job
// is the fast path and which checks it skips, and how the freeze is shown to CI.
import { z } from 'zod';
import { parseDuration } from '../domain/policy';

/** Kept as written ('1h'); the workflow's settings turn it into milliseconds. */
const duration = z
  .string()
  .refine((text) => (parseDuration(text) ?? 0) > 0, "must be a duration such as '90s', '10m' or '1h30m'");

export const DEFAULT_FREEZE_LABEL = 'deploy-freeze';

export const rollbackSchema = z
  .object({
    /** A target whose deploy finished longer ago than this is warned about: a hotfix may be safer. */
    staleAfter: duration.default('1h'),
    /** After a successful rollback, monitoring must recover within this long, or Firebreak says so loudly. */
    verifyWithin: duration.default('10m'),
  })
  .strict()
  .default({ staleAfter: '1h', verifyWithin: '10m' });

export const hotfixSchema = z
  .object({
    /** The fast-path Jenkins job, folders slash-separated; it receives the same parameters as the rollback job. */
    job: z.string().min(1),
    /** Checks the job skips (e.g. tests, canary): each becomes a follow-up in the report. */
    skips: z.array(z.string().min(1)).default([]),
  })
  .strict()
  .optional();

export const freezeSchema = z
  .object({
    /** Label of the GitHub issue that marks the freeze in the service's repo (CI can look for it too). */
    label: z.string().min(1).default(DEFAULT_FREEZE_LABEL),
    /** Also freeze deploys while a paging incident is open for the service, not only after a rollback. */
    whilePaging: z.boolean().default(false),
  })
  .strict()
  .default({ label: DEFAULT_FREEZE_LABEL, whilePaging: false });
