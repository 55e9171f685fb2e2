// The shared helpers: a missing binary names its Debian package; a temp dir goes away with remove().
import { existsSync } from 'node:fs';
import { makeTempDir, requireBinary } from './support';

describe('peer support', () => {
  it('names the Debian package to install when a binary is missing', () => {
    expect(() => requireBinary('conduit-no-such-binary', 'conduit-example-package')).toThrow(
      /conduit-no-such-binary was not found .*install the Debian package 'conduit-example-package' \(apt-get install -y --no-install-recommends conduit-example-package\)/,
    );
    expect(requireBinary('git', 'git')).toMatch(/\/git$/);
  });

  it('creates a temp dir per peer and removes it', () => {
    const temp = makeTempDir('support-test');
    expect(existsSync(temp.dir)).toBe(true);
    temp.remove();
    expect(existsSync(temp.dir)).toBe(false);
  });
});
