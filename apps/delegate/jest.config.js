module.exports = {
  displayName: 'delegate',
  preset: '../../jest.preset.js',
  rootDir: '.',
};
