// End-to-end scenarios: real processes (control plane, delegates) on loopback, one file at a time.
module.exports = {
  displayName: 'e2e',
  preset: '../jest.preset.js',
  rootDir: '.',
  roots: ['<rootDir>/e2e', '<rootDir>/peers', '<rootDir>/chaos'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
