module.exports = {
  displayName: 'control-plane',
  preset: '../../jest.preset.js',
  rootDir: '.',
  // Integration tests wait on real leases, queues and sockets.
  testTimeout: 30_000,
};
