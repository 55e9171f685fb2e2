import nx from '@nx/eslint-plugin';

// Imports that must never appear where the architecture forbids them.
const nestAndDatabase = ['@nestjs/*', 'typeorm', 'pg', 'pg-*', '@electric-sql/*', 'bullmq', 'ioredis', 'express'];

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  { ignores: ['**/dist', '**/node_modules', '**/.nx', '**/.conduit'] },
  {
    files: ['**/*.ts', '**/*.tsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          banTransitiveDependencies: true,
          allow: [],
          depConstraints: [
            // Layers: apps use domain and util libs; domain libs use util libs; util libs stand alone.
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:domain', 'type:util'] },
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:domain', 'type:util'] },
            {
              sourceTag: 'type:util',
              onlyDependOnLibsWithTags: ['type:util'],
              bannedExternalImports: nestAndDatabase,
            },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:domain', 'type:util'] },
            // Sides: the delegate and the CLI never reach into the control plane, nor into its storage.
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            { sourceTag: 'scope:control-plane', onlyDependOnLibsWithTags: ['scope:shared'] },
            {
              sourceTag: 'scope:delegate',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: nestAndDatabase,
            },
            {
              sourceTag: 'scope:cli',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: nestAndDatabase,
            },
            // The web console runs in a browser: shared libraries only, and nothing of Node's server side.
            {
              sourceTag: 'scope:console',
              onlyDependOnLibsWithTags: ['scope:shared'],
              bannedExternalImports: [...nestAndDatabase, 'node:*', 'undici', 'ws', 'ssh2'],
            },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'apps/cli/src/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
];
