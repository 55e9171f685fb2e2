#!/usr/bin/env node
// The delegate from source (TypeScript compiled on load by SWC); the container image runs a prebuilt copy.
process.env.SWC_NODE_PROJECT = process.env.SWC_NODE_PROJECT || require('node:path').join(__dirname, '..', 'tsconfig.json');
require('@swc-node/register');
require('../apps/delegate/src/main.ts');
