module.exports = {
  displayName: 'control-plane',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
