import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchAlerts } from './alerts';
import { benchConnectorList } from './connectors-list';
import { benchConsoleLoad } from './console-load';
import { benchDelegateFootprint } from './delegate-footprint';
import { benchDispatchLatency } from './dispatch-latency';
import { benchDispatchThroughput } from './dispatch-throughput';
import { benchGitLsRemote } from './git-ls-remote';
import { benchIdleConnections } from './idle-connections';
import type { Sample } from './stats';

/** `npm run bench [name…]`: runs the benchmarks, prints their tables, writes JSON to test/bench/results/. */
const BENCHMARKS: Record<string, () => Promise<Sample[]>> = {
  alerts: benchAlerts,
  'connectors-list': benchConnectorList,
  'dispatch-latency': benchDispatchLatency,
  'dispatch-throughput': benchDispatchThroughput,
  'delegate-footprint': benchDelegateFootprint,
  'idle-connections': benchIdleConnections,
  'git-ls-remote': benchGitLsRemote,
  console: benchConsoleLoad,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const unknown = wanted.filter((w) => !(w in BENCHMARKS));
  if (unknown.length) {
    console.error(`unknown benchmark(s): ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exit(2);
  }
  const results: Record<string, Sample[]> = {};
  for (const name of wanted.length ? wanted : Object.keys(BENCHMARKS)) results[name] = await (BENCHMARKS[name] as () => Promise<Sample[]>)();
  const dir = path.join(__dirname, 'results');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, JSON.stringify({ at: new Date().toISOString(), host: { cpus: os.cpus().length, node: process.version }, results }, null, 2));
  console.log(`\nresults written to ${path.relative(process.cwd(), file)}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
