// Unit tests of the console's logic (plain .ts modules); the pages are exercised in a real browser by test/e2e/console.spec.ts.
module.exports = {
  displayName: 'console',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
