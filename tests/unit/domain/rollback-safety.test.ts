import {
  checkRollbackSafety,
  migrationInstructions,
  type RollbackTargetFacts,
} from '../../../domain/rollback-safety';

const HOUR = 60 * 60_000;
const NOW = Date.parse('2026-11-20T12:00:00Z');
const CURRENT = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const TARGET = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

const facts = (overrides: Partial<RollbackTargetFacts> = {}): RollbackTargetFacts => ({
  sha: TARGET,
  knownDeploy: {
    sha: TARGET,
    deploymentId: 7,
    finishedAt: new Date(NOW - 30 * 60_000).toISOString(),
    url: 'u',
  },
  commitExists: true,
  currentSha: CURRENT,
  migrations: [],
  changesKnown: true,
  changesPossiblyIncomplete: false,
  ...overrides,
});
const options = { force: false, staleAfterMs: HOUR, now: NOW };

describe('rollback safety checks', () => {
  test('a recent known deploy with no migrations in between passes with nothing to say', () => {
    expect(checkRollbackSafety(facts(), options)).toEqual({
      allowed: true,
      refusals: [],
      warnings: [],
      instructions: [],
    });
  });

  test('a target equal to the current deploy is refused, even by its short SHA and with force', () => {
    const verdict = checkRollbackSafety(facts({ sha: CURRENT.slice(0, 7) }), { ...options, force: true });
    expect(verdict.allowed).toBe(false);
    expect(verdict.refusals[0]).toContain('equals the current deploy');
  });

  test('a SHA the repo does not have is refused, even with force', () => {
    const verdict = checkRollbackSafety(facts({ knownDeploy: null, commitExists: false }), {
      ...options,
      force: true,
    });
    expect(verdict).toMatchObject({ allowed: false, refusals: [expect.stringContaining('was not found')] });
  });

  test('a commit that never was a successful production deploy is refused without force, warned about with it', () => {
    const unknown = facts({ knownDeploy: null, commitExists: true });
    expect(checkRollbackSafety(unknown, options).refusals).toEqual([
      expect.stringContaining('not a known successful production deploy'),
    ]);
    const forced = checkRollbackSafety(unknown, { ...options, force: true });
    expect(forced.allowed).toBe(true);
    expect(forced.warnings).toEqual([
      expect.stringContaining('forced: bbbbbbbbbbbb is not a known successful'),
    ]);
  });

  test('a target that went live more than staleAfter ago is allowed with a warning suggesting a hotfix', () => {
    const old = facts({
      knownDeploy: {
        sha: TARGET,
        deploymentId: 7,
        finishedAt: new Date(NOW - 3 * HOUR).toISOString(),
        url: 'u',
      },
    });
    const verdict = checkRollbackSafety(old, options);
    expect(verdict.allowed).toBe(true);
    expect(verdict.warnings).toEqual([
      expect.stringMatching(/went live 3h 00m 00s ago, more than 1h 00m 00s.*hotfix/),
    ]);
    expect(checkRollbackSafety(old, { ...options, staleAfterMs: 4 * HOUR }).warnings).toEqual([]);
  });

  test('migrations between target and current refuse without force, with instructions naming each migration', () => {
    const migrations = ['db/migrate/20261120090000_add_index.rb', 'db/migrate/20261120100000_drop_column.rb'];
    const verdict = checkRollbackSafety(facts({ migrations }), options);
    expect(verdict.allowed).toBe(false);
    expect(verdict.refusals[0]).toContain(migrations.join(', '));
    expect(verdict.instructions.join('\n')).toContain('VERSION=20261120100000');
    // Newest first: that is the order they are rolled back in.
    const steps = verdict.instructions.filter((line) => /^\d\./.test(line));
    expect(steps[0]).toContain('20261120100000_drop_column.rb');
    expect(steps[1]).toContain('20261120090000_add_index.rb');
  });

  test('with force the migrations become a warning and no instructions', () => {
    const verdict = checkRollbackSafety(facts({ migrations: ['migrations/0042_orders.sql'] }), {
      ...options,
      force: true,
    });
    expect(verdict).toMatchObject({
      allowed: true,
      instructions: [],
      warnings: [expect.stringContaining('forced past migrations')],
    });
  });

  test('unknown changes and a 300-file comparison are warnings: nobody can prove there were no migrations', () => {
    expect(checkRollbackSafety(facts({ changesKnown: false }), options).warnings).toEqual([
      expect.stringContaining('migrations are unknown'),
    ]);
    expect(checkRollbackSafety(facts({ changesPossiblyIncomplete: true }), options).warnings).toEqual([
      expect.stringContaining('300 changed files'),
    ]);
  });

  test('a migration without a version in its name still gets a step', () => {
    expect(migrationInstructions(['migrations/add_orders.sql'])[1]).toBe(
      "1. roll back migrations/add_orders.sql with your migration tool's down step",
    );
  });
});
