import { formatScopedRef, InvalidReferenceError, parseScopedRef, safeParseScopedRef } from './scoped-ref';

describe('parseScopedRef', () => {
  it.each([
    ['account.github_connector', 'account', 'github_connector'],
    ['org.k8s_connector', 'org', 'k8s_connector'],
    ['my_connector', 'project', 'my_connector'],
    ['_x', 'project', '_x'],
    [`org.A${'b'.repeat(127)}`, 'org', `A${'b'.repeat(127)}`],
  ])('%s is %s-scoped', (ref, scope, identifier) => {
    expect(parseScopedRef(ref)).toEqual({ ref, scope, identifier });
    expect(formatScopedRef(parseScopedRef(ref).scope, identifier)).toBe(ref);
  });

  it.each([
    ['project.x', "'project.x' is not a valid reference: use 'account.x', 'org.x' or 'x'"],
    ['Account.x', "'Account.x' is not a valid reference: use 'account.x', 'org.x' or 'x'"],
    ['org.team.x', "'org.team.x' is not a valid reference: use 'account.x', 'org.x' or 'x'"],
    ['', "'' is not a valid reference: it is empty; use 'account.x', 'org.x' or 'x'"],
    [
      'org.',
      "'org.' is not a valid reference: '' is not an identifier (a letter or _, then up to 127 letters, digits or _)",
    ],
    [
      'account.argocd-account',
      "'account.argocd-account' is not a valid reference: 'argocd-account' is not an identifier (a letter or _, then up to 127 letters, digits or _)",
    ],
    [
      '1st',
      "'1st' is not a valid reference: '1st' is not an identifier (a letter or _, then up to 127 letters, digits or _)",
    ],
    [' org.x', "' org.x' is not a valid reference: use 'account.x', 'org.x' or 'x'"],
    [`x${'y'.repeat(128)}`, 'is not an identifier'],
  ])('rejects %j naming the reference', (ref, message) => {
    expect(() => parseScopedRef(ref)).toThrow(InvalidReferenceError);
    expect(() => parseScopedRef(ref)).toThrow(message);
    expect(safeParseScopedRef(ref)).toEqual({ ok: false, message: expect.stringContaining(message) });
  });

  it('keeps the offending reference on the error', () => {
    try {
      parseScopedRef('project.x');
      throw new Error('expected parseScopedRef to throw');
    } catch (error: unknown) {
      expect(error).toBeInstanceOf(InvalidReferenceError);
      expect((error as InvalidReferenceError).ref).toBe('project.x');
    }
  });

  it('shortens a huge reference in the message', () => {
    const result = safeParseScopedRef(`project.${'x'.repeat(10_000)}`);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message.length).toBeLessThan(300);
  });
});
