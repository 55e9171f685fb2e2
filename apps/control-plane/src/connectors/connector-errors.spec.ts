import { withMissingSecrets } from './connector-errors';

describe('withMissingSecrets', () => {
  const placeholder = { code: 'PLACEHOLDER', message: "spec.url: '<YOUR_URL>' is a documentation placeholder" };
  const missing = (ref: string) => ({ path: `spec.${ref}`, ref, message: `spec.${ref}: secret '${ref}' not found in account 'a'` });

  it('replaces earlier secret errors and keeps the others', () => {
    const first = withMissingSecrets([placeholder], [missing('a'), missing('b')]);
    expect(first.errors.map((e) => e.code)).toEqual(['PLACEHOLDER', 'SECRET_NOT_FOUND', 'SECRET_NOT_FOUND']);
    expect(first.errorSummary).toBe(`2 secret references not found: a, b; ${placeholder.message}`);
    const later = withMissingSecrets(first.errors, [missing('b')]);
    expect(later.errors.map((e) => e.message)).toEqual([placeholder.message, missing('b').message]);
  });

  it('clears the summary once nothing is wrong', () => {
    expect(withMissingSecrets([{ code: 'SECRET_NOT_FOUND', message: 'x' }], [])).toEqual({ errors: [], errorSummary: null });
  });
});
