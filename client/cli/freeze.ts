// `firebreak freeze check|lift`: the deploy freeze for CI scripts and people. `check` answers with its
// exit status, so a pipeline step can stop a deploy: 0 not frozen, 1 frozen (and why), 2 could not tell
// (Firebreak unreachable or refusing the token), which a pipeline may treat as its policy dictates.
import type { Command } from 'commander';
import type { FreezeAnswer } from '../freeze';
import type { ApiClient } from './api-client';

export const EXIT_NOT_FROZEN = 0;
export const EXIT_FROZEN = 1;
export const EXIT_UNKNOWN = 2;

type ApiOptions = { url?: string; token?: string };

export function registerFreezeCommands(
  program: Command,
  withApiOptions: (command: Command) => Command,
  api: (options: ApiOptions) => ApiClient,
): void {
  const freeze = program.command('freeze').description('deploy freeze: check it from CI, or lift it');

  withApiOptions(freeze.command('check'))
    .description('exit 0 when the service may deploy, 1 while it is frozen, 2 when Firebreak cannot tell')
    .requiredOption('--service <service>', 'the service about to deploy')
    .option('--json', 'print the answer as JSON')
    .action(async (options: ApiOptions & { service: string; json?: boolean }) => {
      let answer: FreezeAnswer;
      try {
        answer = await api(options).freeze(options.service);
      } catch (error) {
        console.error(
          `firebreak: cannot tell whether ${options.service} is frozen: ${(error as Error).message}`,
        );
        process.exitCode = EXIT_UNKNOWN;
        return;
      }
      if (options.json) console.log(JSON.stringify(answer, null, 2));
      else console.log(describeFreeze(options.service, answer));
      process.exitCode = answer.frozen ? EXIT_FROZEN : EXIT_NOT_FROZEN;
    });

  withApiOptions(freeze.command('lift'))
    .description("lift a service's deploy freeze (every hold on it)")
    .requiredOption('--service <service>', 'the frozen service')
    .option('--reason <text>', 'why deploys may resume')
    .option('--by <who>', 'who is lifting it', process.env.FIREBREAK_USER ?? process.env.USER ?? 'cli-user')
    .action(async (options: ApiOptions & { service: string; reason?: string; by: string }) => {
      await api(options).liftFreeze(options.service, options.by, options.reason);
      console.log(`deploy freeze of ${options.service} lifted`);
    });
}

export function describeFreeze(service: string, answer: FreezeAnswer): string {
  if (!answer.frozen) return `${service}: not frozen, deploys may proceed`;
  const lines = [`${service}: DEPLOYS FROZEN`];
  for (const hold of answer.services) {
    const issue = hold.issue ? ` (${hold.issue})` : '';
    lines.push(
      `  since ${hold.since}: ${hold.reason}${hold.incident ? `, incident ${hold.incident}` : ''}${issue}`,
    );
  }
  return lines.join('\n');
}
