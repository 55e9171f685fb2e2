#!/usr/bin/env node
// The `conduit` CLI from source (TypeScript compiled on load by SWC).
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('node:path').join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('../apps/cli/src/main.ts');
