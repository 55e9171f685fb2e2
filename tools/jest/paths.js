// Maps the `@conduit/*` path aliases of tsconfig.base.json to their sources for jest.
const path = require('node:path');
const { compilerOptions } = require('../../tsconfig.base.json');

function pathsToModuleNameMapper() {
  const root = path.resolve(__dirname, '../..');
  return Object.fromEntries(
    Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, path.join(root, target)]),
  );
}

module.exports = { pathsToModuleNameMapper };
