import { ActionRejection, parseAction, validateAction, type ActionContext } from '../../../domain/actions';

const context = (overrides: Partial<ActionContext> = {}): ActionContext => ({
  status: 'paged',
  currentDeploySha: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
  rollbackCandidateSha: 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
  ...overrides,
});

function rejection(run: () => void): ActionRejection {
  try {
    run();
  } catch (error) {
    if (error instanceof ActionRejection) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('responder action validation', () => {
  test('a rollback to the current deploy is refused, also by its short SHA', () => {
    const refused = rejection(() => validateAction({ action: 'rollback', to: 'aaaaaaa' }, context()));
    expect(refused.kind).toBe('invalid');
    expect(refused.message).toContain('target equals the current deploy');
  });

  test('a rollback while one is running is refused as already mitigating', () => {
    const refused = rejection(() =>
      validateAction({ action: 'rollback' }, context({ status: 'mitigating' })),
    );
    expect(refused).toMatchObject({
      kind: 'conflict',
      message: expect.stringContaining('already mitigating'),
    });
  });

  test('a rollback without a target when no candidate is known asks for one', () => {
    const refused = rejection(() =>
      validateAction({ action: 'rollback' }, context({ rollbackCandidateSha: null })),
    );
    expect(refused.message).toContain("name one with 'to'");
  });

  test('a rollback to the candidate is accepted', () => {
    expect(() => validateAction({ action: 'rollback' }, context())).not.toThrow();
  });

  test('acknowledging twice is a conflict', () => {
    expect(
      rejection(() => validateAction({ action: 'acknowledge' }, context({ status: 'acknowledged' }))).kind,
    ).toBe('conflict');
  });

  test('nothing can be done to a resolved incident', () => {
    expect(
      rejection(() => validateAction({ action: 'note', text: 'x' }, context({ status: 'resolved' }))).kind,
    ).toBe('conflict');
  });

  test('an unknown action names the ones that exist', () => {
    expect(() => parseAction({ action: 'reboot' })).toThrow(
      /one of acknowledge, rollback, hotfix, resolve, escalate, lift-freeze, note/,
    );
  });

  test('escalating before anyone was paged is a conflict; afterwards it is accepted, even once acknowledged', () => {
    expect(
      rejection(() => validateAction({ action: 'escalate' }, context({ status: 'triggered' }))).message,
    ).toContain('nobody has been paged yet');
    expect(() => validateAction({ action: 'escalate' }, context({ status: 'acknowledged' }))).not.toThrow();
    expect(parseAction({ action: 'escalate', by: 'ada' })).toEqual({ action: 'escalate' });
  });

  test('nobody has acknowledged an automatic rollback yet: acknowledging it is accepted', () => {
    expect(() =>
      validateAction({ action: 'acknowledge' }, context({ status: 'mitigating', acknowledged: false })),
    ).not.toThrow();
    expect(
      rejection(() =>
        validateAction({ action: 'acknowledge' }, context({ status: 'mitigating', acknowledged: true })),
      ).kind,
    ).toBe('conflict');
  });

  test("a rollback 'to' that is not a SHA is refused", () => {
    expect(
      rejection(() => validateAction({ action: 'rollback', to: 'main; rm -rf /' }, context())).kind,
    ).toBe('invalid');
  });

  test('a hotfix needs a SHA: missing or malformed is invalid (422), and parsing keeps only the sha', () => {
    expect(() => parseAction({ action: 'hotfix' })).toThrow("hotfix needs 'sha'");
    expect(rejection(() => validateAction({ action: 'hotfix', sha: 'HEAD~1' }, context())).kind).toBe(
      'invalid',
    );
    expect(parseAction({ action: 'hotfix', sha: 'cccccccc', by: 'ada', force: true })).toEqual({
      action: 'hotfix',
      sha: 'cccccccc',
    });
    expect(() => validateAction({ action: 'hotfix', sha: 'cccccccc' }, context())).not.toThrow();
  });

  test('a hotfix while a rollback or hotfix runs is a conflict; a hotfix of the live commit is invalid', () => {
    expect(
      rejection(() =>
        validateAction({ action: 'hotfix', sha: 'cccccccc' }, context({ status: 'mitigating' })),
      ),
    ).toMatchObject({ kind: 'conflict', message: expect.stringContaining('already mitigating') });
    expect(rejection(() => validateAction({ action: 'hotfix', sha: 'aaaaaaaa' }, context()))).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('is the current deploy already'),
    });
  });

  test('lifting a freeze needs one held by the incident, and not while the rollback it protects is running', () => {
    expect(rejection(() => validateAction({ action: 'lift-freeze' }, context())).message).toContain(
      'holds no deploy freeze',
    );
    expect(
      rejection(() =>
        validateAction({ action: 'lift-freeze' }, context({ status: 'mitigating', frozen: true })),
      ).kind,
    ).toBe('conflict');
    expect(() =>
      validateAction({ action: 'lift-freeze' }, context({ status: 'mitigated', frozen: true })),
    ).not.toThrow();
    expect(() =>
      validateAction({ action: 'lift-freeze' }, context({ status: 'resolved', frozen: true })),
    ).not.toThrow();
    expect(
      rejection(() => validateAction({ action: 'lift-freeze' }, context({ status: 'closed', frozen: true })))
        .kind,
    ).toBe('conflict');
    expect(parseAction({ action: 'lift-freeze', by: 'ada' })).toEqual({ action: 'lift-freeze' });
  });
});
