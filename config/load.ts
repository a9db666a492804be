// Reads firebreak.yaml: parse, validate against the schema, then resolve ${ENV_VAR} references.
// Every problem is reported with the path of the key it concerns, so `firebreak config check`
// can list them all at once.
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { configSchema, type FirebreakConfig } from './schema';

export interface ConfigProblem {
  /** Dotted path of the bad key, e.g. `services.checkout.github.repo`. */
  path: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(
      `${file}: ${problems.length} problem(s)\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ConfigError';
  }
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): FirebreakConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '(file)', message: (error as Error).message }]);
  }
  return parseConfig(text, file, env);
}

export function parseConfig(
  text: string,
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): FirebreakConfig {
  const document = parseDocument(text);
  if (document.errors.length > 0) {
    throw new ConfigError(
      file,
      document.errors.map((e) => ({ path: `(line ${e.linePos?.[0]?.line ?? '?'})`, message: e.message })),
    );
  }
  const result = configSchema.safeParse(document.toJS() ?? {});
  if (!result.success) throw new ConfigError(file, result.error.issues.map(toProblem));
  const problems: ConfigProblem[] = [];
  const resolved = resolveReferences(result.data, [], env, problems) as FirebreakConfig;
  if (problems.length > 0) throw new ConfigError(file, problems);
  return resolved;
}

function toProblem(issue: z.core.$ZodIssue): ConfigProblem {
  const path = issue.path.map(String).join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    return { path: [...issue.path.map(String), ...issue.keys].join('.'), message: 'unknown key' };
  }
  return { path, message: issue.message };
}

const REFERENCE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Replaces every `${VAR}` string with the variable's value; a missing variable is a problem. */
function resolveReferences(
  value: unknown,
  path: string[],
  env: NodeJS.ProcessEnv,
  problems: ConfigProblem[],
): unknown {
  if (typeof value === 'string') {
    const match = REFERENCE.exec(value);
    if (!match) return value;
    const name = match[1] as string;
    const resolved = env[name];
    if (resolved === undefined || resolved === '') {
      problems.push({ path: path.join('.'), message: `environment variable ${name} is not set` });
    }
    return resolved ?? '';
  }
  if (Array.isArray(value))
    return value.map((item, i) => resolveReferences(item, [...path, String(i)], env, problems));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        resolveReferences(item, [...path, key], env, problems),
      ]),
    );
  }
  return value;
}
