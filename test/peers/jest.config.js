// Temporary: runs the peers' self-tests on their own until test/jest.config.js lists '<rootDir>/peers' in its roots.
module.exports = {
  displayName: 'peers',
  preset: '../../jest.preset.js',
  rootDir: '.',
  testTimeout: 60_000,
};
