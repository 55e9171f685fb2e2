import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { PROTOCOL_VERSION } from '@conduit/protocol';
import { ROOT, RunningProcess, waitFor } from '../support/processes';
import { BenchControlPlane, BenchSample, CONNECTED_LINE, Figure, median, printFigures, rssMiB, sleep, spawnNode, startControlPlane, startDelegate } from './harness';
import { printTable, Sample, summarize } from './stats';

const STARTS = 5;
const IDLE_MS = 5_000;
const RSS_TARGET_MIB = 64;
const START_TARGET_MS = 1_000;

/** The least a delegate could be: node, ws, hello, heartbeats; plain JavaScript, nothing else loaded. */
const MINIMAL_CLIENT = `
const WebSocket = require('ws');
const socket = new WebSocket(process.env.SOCKET_URL, { headers: { authorization: 'Bearer ' + process.env.TOKEN } });
socket.on('open', () => socket.send(JSON.stringify({ type: 'hello', protocolVersion: Number(process.env.PROTOCOL_VERSION), name: process.env.NAME, group: 'default', tags: [], version: '0.0.0-floor', capacity: 1, taskKinds: [] })));
socket.on('message', (data) => {
  const frame = JSON.parse(String(data));
  if (frame.type !== 'welcome') return;
  console.log('welcome');
  setInterval(() => socket.send(JSON.stringify({ type: 'heartbeat', sentAt: Date.now(), running: 0 })), frame.heartbeatIntervalMs);
});
process.on('SIGTERM', () => process.exit(0));
`;

interface Variant {
  name: string;
  /** What the process prints once it is connected (or, for the bare floor, once it runs). */
  readyLine: string;
  start(name: string): RunningProcess;
  /** The control plane lists it as connected (false for the bare node floor, which never connects). */
  connects: boolean;
}

interface StartResult {
  toReadyLineMs: number;
  toListedMs: number | undefined;
  rssMiB: number;
}

/**
 * Issue target: one delegate process's idle RSS after connecting (≤ 64 MiB) and its start → connected time
 * (≤ 1 s), as run in dev (TypeScript through @swc-node/register) and compiled with deploy/swcrc.json the
 * way deploy/delegate.Dockerfile does. Floors in the same run: an empty node process, and a minimal
 * protocol client in plain JavaScript (node + ws + hello + heartbeats). Variants take turns, five starts each.
 */
export async function benchDelegateFootprint(): Promise<Sample[]> {
  const cp = await startControlPlane({ queue: 'redis' });
  const work = await mkdtemp(path.join(os.tmpdir(), 'conduit-bench-delegate-'));
  try {
    const compileStarted = Date.now();
    const compiledMain = await compileDelegate(work);
    const compileMs = Date.now() - compileStarted;
    const distBytes = directoryBytes(path.join(work, 'dist'));
    console.log(`compiled the delegate with swc (deploy/swcrc.json) in ${compileMs} ms, ${(distBytes / 1024).toFixed(0)} KiB of JS + maps`);
    const keyFile = path.join(work, 'group.key');
    const socketUrl = `${cp.url.replace(/^http/, 'ws')}/v1/delegates/connect`;
    const variants: Variant[] = [
      {
        name: 'floor: node, empty event loop',
        readyLine: 'running',
        connects: false,
        start: () => new RunningProcess(spawnNode(['-e', "console.log('running'); setInterval(() => {}, 1 << 30); process.on('SIGTERM', () => process.exit(0));"], { PATH: process.env['PATH'] ?? '' }, ROOT)),
      },
      {
        name: 'floor: minimal protocol client (node + ws, plain JS)',
        readyLine: 'welcome',
        connects: true,
        start: (name) =>
          new RunningProcess(
            spawnNode(['-e', MINIMAL_CLIENT], { PATH: process.env['PATH'] ?? '', SOCKET_URL: socketUrl, TOKEN: cp.delegateToken, NAME: name, PROTOCOL_VERSION: String(PROTOCOL_VERSION) }, ROOT),
          ),
      },
      { name: 'delegate, dev (@swc-node/register)', readyLine: CONNECTED_LINE, connects: true, start: (name) => startDelegate(cp, name, { keyFile, logLevel: 'info' }) },
      { name: 'delegate, compiled (swc → dist, node main.js)', readyLine: CONNECTED_LINE, connects: true, start: (name) => startDelegate(cp, name, { keyFile, logLevel: 'info', compiledMain }) },
    ];
    // One untimed start of each: creates the group key file and warms the page cache for every variant alike.
    for (const variant of variants) await startOnce(cp, variant, `fp-warm-${slug(variant.name)}`, 0);
    const results = new Map<Variant, StartResult[]>(variants.map((v) => [v, []]));
    for (let round = 0; round < STARTS; round++) {
      for (const variant of variants) results.get(variant)?.push(await startOnce(cp, variant, `fp-${round}-${slug(variant.name)}`, IDLE_MS));
    }

    const samples: BenchSample[] = [];
    const figures: Figure[] = [];
    for (const variant of variants) {
      const runs = results.get(variant) as StartResult[];
      const rss = runs.map((r) => r.rssMiB);
      const isDelegate = variant.name.startsWith('delegate');
      const start = summarize(`${variant.name}: spawn → "${variant.readyLine}"`, runs.map((r) => r.toReadyLineMs));
      samples.push({ ...start, figures: { idleRssMiBMedian: median(rss), idleRssMiB: rss.join(' ') } });
      const listed = runs.map((r) => r.toListedMs).filter((v): v is number => v !== undefined);
      if (listed.length) samples.push(summarize(`${variant.name}: spawn → listed connected by the control plane (polled every 20 ms)`, listed));
      figures.push({ name: `${variant.name}: idle RSS after ${IDLE_MS / 1000} s, median of ${STARTS}`, value: median(rss), unit: `MiB (${rss.join(', ')})`, ...(isDelegate ? { target: `<= ${RSS_TARGET_MIB} MiB`, met: median(rss) <= RSS_TARGET_MIB } : {}) });
      figures.push({ name: `${variant.name}: spawn → "${variant.readyLine}", median of ${STARTS}`, value: Math.round(median(runs.map((r) => r.toReadyLineMs))), unit: 'ms', ...(isDelegate ? { target: `<= ${START_TARGET_MS} ms`, met: median(runs.map((r) => r.toReadyLineMs)) <= START_TARGET_MS } : {}) });
    }
    printTable(`delegate start → connected (${STARTS} starts each, turns taken; ratio is p50 / the minimal protocol client)`, samples, samples.find((s) => s.name.startsWith('floor: minimal')));
    printFigures(`delegate footprint (idle RSS read from /proc/<pid>/status VmRSS after ${IDLE_MS / 1000} s connected and idle)`, figures);
    return samples;
  } finally {
    await cp.stop();
    await rm(work, { recursive: true, force: true });
  }
}

async function startOnce(cp: BenchControlPlane, variant: Variant, name: string, idleMs: number): Promise<StartResult> {
  const t0 = process.hrtime.bigint();
  const child = variant.start(name);
  const elapsed = () => Number(process.hrtime.bigint() - t0) / 1e6;
  try {
    let toReadyLineMs: number | undefined;
    const ready = new Promise<void>((resolve) => {
      const watch = (chunk: Buffer) => {
        if (toReadyLineMs === undefined && chunk.toString().includes(variant.readyLine)) {
          toReadyLineMs = elapsed();
          resolve();
        }
      };
      child.child.stdout?.on('data', watch);
      child.child.stderr?.on('data', watch);
    });
    let toListedMs: number | undefined;
    const listed = variant.connects
      ? (async () => {
          const deadline = Date.now() + 30_000;
          while (toListedMs === undefined && Date.now() < deadline && child.alive) {
            const { items } = await cp.api.get<{ items: Array<{ name: string; status: string }> }>('/v1/delegates');
            if (items.some((d) => d.name === name && d.status === 'connected')) toListedMs = elapsed();
            else await sleep(20);
          }
        })()
      : Promise.resolve();
    await waitFor(async () => toReadyLineMs !== undefined, `${variant.name} to print "${variant.readyLine}"`, { timeoutMs: 30_000, process: child });
    await ready;
    await listed;
    if (variant.connects && toListedMs === undefined) throw new Error(`${variant.name}: never listed as connected:\n${child.output.slice(-2000)}`);
    await sleep(idleMs);
    return { toReadyLineMs: toReadyLineMs as number, toListedMs, rssMiB: rssMiB(child.child.pid as number) };
  } finally {
    await child.stop();
  }
}

/** Compiles the delegate exactly as deploy/delegate.Dockerfile does, into `work/dist`; returns main.js. */
async function compileDelegate(work: string): Promise<string> {
  const dist = path.join(work, 'dist');
  execFileSync(
    path.join(ROOT, 'node_modules/.bin/swc'),
    ['apps/delegate/src', 'libs', '-d', dist, '--config-file', 'deploy/swcrc.json', '--no-swcrc', '--ignore', '**/*.spec.ts,**/jest.config.*'],
    { cwd: ROOT, stdio: 'pipe' },
  );
  const main = path.join(dist, 'apps/delegate/src/main.js');
  if (!existsSync(main)) throw new Error(`swc did not produce ${main}`);
  const unresolved = readFileSync(main, 'utf8').includes('require("@conduit/');
  if (unresolved) throw new Error(`unresolved @conduit/* alias in ${main}`);
  // The image has node_modules beside dist; here the repository's stands in for it.
  await symlink(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'), 'dir');
  return main;
}

function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    total += entry.isDirectory() ? directoryBytes(full) : statSync(full).size;
  }
  return total;
}

const slug = (name: string) => name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40).toLowerCase();
