#!/usr/bin/env node
// `npm start`: the control plane plus one local delegate, on the embedded defaults (PGlite under
// CONDUIT_HOME, BullMQ on it) unless DATABASE_URL / REDIS_URL say otherwise. Ctrl-C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = process.env.PORT || '7420';
const home = path.resolve(process.env.CONDUIT_HOME || '.conduit');
const url = `http://127.0.0.1:${port}`;
const children = new Set();
let stopping = false;

function run(name, entry, env) {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', entry], {
    cwd: root,
    env: { ...process.env, SWC_NODE_PROJECT: path.join(root, 'tsconfig.json'), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (stopping) return;
    process.stderr.write(`${name} exited (${signal ?? code}); stopping\n`);
    stop(code || 1);
  });
  return child;
}

function stop(code) {
  stopping = true;
  for (const child of children) child.kill('SIGTERM');
  const force = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), 10_000);
  const wait = setInterval(() => {
    if (children.size === 0) {
      clearInterval(wait);
      clearTimeout(force);
      process.exit(code);
    }
  }, 100);
}

async function waitUntilReady(deadlineMs) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline && !stopping) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

// The web console is static files the control plane serves; a fresh clone has not built them yet (a few seconds).
if (!existsSync(path.join(root, 'apps/console/dist/index.html'))) {
  process.stderr.write('building the web console (apps/console) …\n');
  const vite = path.join(root, 'node_modules/vite/bin/vite.js');
  const built = spawnSync(process.execPath, [vite, 'build', '--config', 'apps/console/vite.config.mjs', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) process.stderr.write('the web console could not be built; the API runs without it\n');
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

run('control plane', 'apps/control-plane/src/main.ts', { PORT: port, CONDUIT_HOME: home, CONDUIT_LOCAL_DELEGATE: '1' });
if (!(await waitUntilReady(120_000))) {
  if (!stopping) {
    process.stderr.write(`the control plane did not become ready at ${url}/readyz within 120 s\n`);
    stop(1);
  }
} else {
  const tokenFile = path.join(home, 'delegate-token');
  await readFile(tokenFile); // written by the control plane at start; fail loudly if it is not there
  run('delegate', 'apps/delegate/src/main.ts', {
    CONDUIT_URL: url,
    CONDUIT_DELEGATE_TOKEN_FILE: tokenFile,
    DELEGATE_NAME: process.env.DELEGATE_NAME || `local-${os.hostname().replace(/[^A-Za-z0-9_.-]/g, '-')}`.slice(0, 128),
    DELEGATE_TAGS: process.env.DELEGATE_TAGS || 'local',
    // The local delegate runs pipeline steps on this machine, as the user who ran npm start.
    DELEGATE_ALLOW_SHELL: process.env.DELEGATE_ALLOW_SHELL || 'true',
    // The group's key pair is made here on first start and kept: secrets are sealed to its public key.
    DELEGATE_KEY_FILE: process.env.DELEGATE_KEY_FILE || path.join(home, `delegate-${process.env.DELEGATE_GROUP || 'default'}.key`),
  });
  process.stderr.write(
    `\nConduit is up: ${url}  (web console: ${url}/console/, API docs: ${url}/docs)\n` +
      `Admin API key: ${path.join(home, 'admin-api-key')}\n` +
      `Try: curl -H "Authorization: Bearer $(cat ${path.join(home, 'admin-api-key')})" ${url}/v1/delegates\n\n`,
  );
}
