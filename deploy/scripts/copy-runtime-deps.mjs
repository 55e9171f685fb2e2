#!/usr/bin/env node
// Copies only the packages that a compiled entry point needs, out of a production node_modules, so the
// delegate image does not carry the control plane's dependencies (NestJS, TypeORM, PGlite, BullMQ...).
//
//   node copy-runtime-deps.mjs <entry.js> <project root with package-lock.json + node_modules> <output dir>
//
// 1. Follows the static require("...") calls of our own compiled code (SWC's CommonJS output) from the
//    entry, collecting the bare package names it needs.
// 2. Closes that set over package-lock.json (dependencies, optionalDependencies and installed peers),
//    resolving each one the way Node does: nearest node_modules first, then upwards.
// 3. Copies those package folders into <output dir>/node_modules.
// Dynamic requires inside third-party packages are covered by step 2 only if the package declares what
// it loads; that is why the control plane image (TypeORM loads `pg` by name) keeps the full set instead.
import { cpSync, existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import * as path from 'node:path';

const [entry, root, out] = process.argv.slice(2);
if (!entry || !root || !out) {
  process.stderr.write('usage: copy-runtime-deps.mjs <entry.js> <project root> <output dir>\n');
  process.exit(2);
}

const builtins = new Set(builtinModules);
const requireCall = /\brequire\(\s*["']([^"']+)["']\s*\)/g;

// 1. Our code: every file reachable from the entry through relative requires.
const needed = new Set();
const seenFiles = new Set();
const pending = [path.resolve(entry)];
while (pending.length) {
  const file = pending.pop();
  if (seenFiles.has(file)) continue;
  seenFiles.add(file);
  for (const [, spec] of readFileSync(file, 'utf8').matchAll(requireCall)) {
    if (spec.startsWith('node:') || builtins.has(spec)) continue;
    if (spec.startsWith('.') || spec.startsWith('/')) {
      pending.push(resolveFile(path.resolve(path.dirname(file), spec), file));
    } else {
      needed.add(packageName(spec));
    }
  }
}

// 2. Their closure through the lock file.
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const packages = lock.packages;
const keep = new Set();
const queue = [...needed].map((name) => ({ name, from: '', required: true }));
while (queue.length) {
  const { name, from, required } = queue.pop();
  const key = locate(name, from);
  if (!key) {
    if (required) throw new Error(`${name} (needed by ${from || 'our code'}) is not in package-lock.json`);
    continue; // an optional dependency for another platform, or an uninstalled optional peer
  }
  if (keep.has(key)) continue;
  keep.add(key);
  const meta = packages[key];
  if (meta.dev) throw new Error(`${key} is a devDependency but the runtime needs it: move it to dependencies`);
  const optionalPeers = meta.peerDependenciesMeta ?? {};
  for (const dep of Object.keys(meta.dependencies ?? {})) queue.push({ name: dep, from: key, required: true });
  for (const dep of Object.keys(meta.optionalDependencies ?? {})) queue.push({ name: dep, from: key, required: false });
  for (const dep of Object.keys(meta.peerDependencies ?? {})) {
    queue.push({ name: dep, from: key, required: !optionalPeers[dep]?.optional });
  }
}

// 3. Copy what is installed (optional packages for other platforms are in the lock but not on disk).
let copied = 0;
for (const key of [...keep].sort()) {
  const source = path.join(root, key);
  if (!existsSync(source)) continue;
  cpSync(source, path.join(out, key), { recursive: true, verbatimSymlinks: true });
  copied += 1;
}
process.stdout.write(
  `${path.relative(process.cwd(), entry)}: ${seenFiles.size} own files, ${needed.size} direct packages ` +
    `(${[...needed].sort().join(', ')}), ${copied} packages copied\n`,
);

function resolveFile(target, from) {
  for (const candidate of [target, `${target}.js`, path.join(target, 'index.js')]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  throw new Error(`cannot resolve ${target} (required from ${from})`);
}

function packageName(spec) {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** The lock key Node would load `name` from when required by the package at lock key `from`. */
function locate(name, from) {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!dir) return undefined;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up === -1 ? '' : dir.slice(0, up);
  }
}
