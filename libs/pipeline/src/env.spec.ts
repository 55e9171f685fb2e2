import { effectiveEnv } from './env';

describe('effectiveEnv', () => {
  it('merges name by name, the more specific level winning', () => {
    expect(
      effectiveEnv({
        pipeline: { REGION: 'eu', LOG: 'info', ONLY_PIPELINE: '1' },
        stage: { LOG: 'debug', REGION: 'us' },
        step: { LOG: 'trace' },
      }),
    ).toEqual({ REGION: 'us', LOG: 'trace', ONLY_PIPELINE: '1' });
  });

  it('handles missing levels', () => {
    expect(effectiveEnv({ step: { A: 'a' } })).toEqual({ A: 'a' });
    expect(effectiveEnv({})).toEqual({});
  });
});
