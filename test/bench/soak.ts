import { mkdir, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { RunningProcess } from '../support/processes';
import { bullmqThroughput } from './floors';
import { Figure, printFigures, rssMiB, sleep, startControlPlane, startDelegate, TaskView, waitForConnected } from './harness';
import { printTable, summarize } from './stats';

/**
 * `npm run soak -- [--rate N] [--duration S] [--delegates N] [--capacity N] [--backlog-limit N]` (not in CI): an
 * open-loop load of no-op tasks at a target rate through one control plane (Redis queue) and N delegate processes,
 * for a while. Reports the rate achieved against the target, the creates refused by back-pressure (429), every
 * task's end-to-end latency (queued → finished, from the task record), none lost, and the RSS of every process at
 * start and end. The floor is bare BullMQ on the same Redis, measured in the same run.
 */
const Flags = z
  .object({
    rate: z.coerce.number().int().min(1).max(100_000).default(1_000),
    duration: z.coerce.number().int().min(5).max(86_400).default(300),
    delegates: z.coerce.number().int().min(1).max(64).default(8),
    capacity: z.coerce.number().int().min(1).max(1_024).default(32),
    /** Client requests in flight at most; an arrival finding none free is counted as not sent. */
    inFlight: z.coerce.number().int().min(1).max(4_096).default(256),
    /** Seconds to wait, after sending stops, for every accepted task to end. */
    drain: z.coerce.number().int().min(1).max(3_600).default(180),
    /** The control plane's TASK_BACKLOG_LIMIT; unset, its default. */
    backlogLimit: z.coerce.number().int().min(1).max(10_000_000).optional(),
  })
  .strict();
type Flags = z.infer<typeof Flags>;

const FLOOR_MS = 5_000;

function flags(): Flags {
  const { values } = parseArgs({
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      delegates: { type: 'string' },
      capacity: { type: 'string' },
      'in-flight': { type: 'string' },
      drain: { type: 'string' },
      'backlog-limit': { type: 'string' },
    },
    strict: true,
  });
  const camel = (flag: string) => flag.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  const kebab = (key: string) => key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
  const parsed = Flags.safeParse(Object.fromEntries(Object.entries(values).map(([flag, value]) => [camel(flag), value])));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) console.error(`--${kebab(issue.path.join('.')) || 'flags'}: ${issue.message}`);
    process.exit(2);
  }
  return parsed.data;
}

/** Retry-After in milliseconds, if the answer carries a valid one (whole seconds, at least 1). */
function retryAfterMs(header: string | string[] | undefined): number | undefined {
  const seconds = typeof header === 'string' && /^\d+$/.test(header) ? Number(header) : NaN;
  return seconds >= 1 ? seconds * 1000 : undefined;
}

async function main(): Promise<void> {
  const options = flags();
  const floor = await bullmqThroughput('redis', options.inFlight, FLOOR_MS, 1_000);
  const cp = await startControlPlane({ queue: 'redis', env: options.backlogLimit ? { TASK_BACKLOG_LIMIT: String(options.backlogLimit) } : {} });
  const delegates = new Map<string, RunningProcess>();
  try {
    const names = Array.from({ length: options.delegates }, (_, i) => `soak-${i}`);
    for (const name of names) delegates.set(name, startDelegate(cp, name, { capacity: options.capacity }));
    await waitForConnected(cp, names);
    const processes = [['control plane', cp.process] as const, ...[...delegates].map(([name, p]) => [name, p] as const)];
    const rssAtStart = new Map(processes.map(([name, p]) => [name, rssMiB(p.child.pid as number)]));

    // Open loop: arrivals are due at the target rate whatever the answers do; a due arrival with every client
    // slot busy is not sent (and counted), so a slow server shows as a lower achieved rate, not a slower clock.
    const ids: string[] = [];
    const failures = new Map<string, number>();
    const fail = (message: string) => {
      const reason = message.slice(0, 80);
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
    };
    /** Creates refused by back-pressure (429), by the Retry-After they carried (seconds). */
    const refused = new Map<number, number>();
    let inFlight = 0;
    let notSent = 0;
    const started = Date.now();
    const end = started + options.duration * 1000;
    let due = 0;
    const create = async () => {
      inFlight++;
      try {
        const answer = await cp.api.exchange('POST', '/v1/tasks', { kind: 'noop' });
        const waitMs = retryAfterMs(answer.headers['retry-after']);
        if (answer.status === 201) {
          ids.push((JSON.parse(answer.text) as { id: string }).id);
        } else if (answer.status === 429 && waitMs !== undefined) {
          // Back-pressure, not a failure: this client slot waits as told (within the run) before it sends again.
          refused.set(waitMs / 1000, (refused.get(waitMs / 1000) ?? 0) + 1);
          await sleep(Math.min(waitMs, end - Date.now()));
        } else {
          fail(`POST /v1/tasks: ${answer.status} ${answer.text}`);
        }
      } catch (error) {
        fail((error as Error).message);
      } finally {
        inFlight--;
      }
    };
    while (Date.now() < end) {
      const shouldHaveArrived = Math.floor(((Date.now() - started) / 1000) * options.rate);
      for (; due < shouldHaveArrived; due++) {
        if (inFlight >= options.inFlight) notSent++;
        else void create();
      }
      await sleep(5);
    }
    const sendingMs = Date.now() - started;
    while (inFlight > 0) await sleep(10);

    // Drain: every accepted task must end, and succeed.
    const tasks = new Map<string, TaskView>();
    const drainDeadline = Date.now() + options.drain * 1000;
    let open = ids.length;
    while (open > 0 && Date.now() < drainDeadline) {
      tasks.clear();
      let cursor: string | null = null;
      do {
        const page: { items: TaskView[]; nextCursor: string | null } = await cp.api.get(`/v1/tasks?limit=500${cursor ? `&cursor=${cursor}` : ''}`);
        for (const task of page.items) tasks.set(task.id, task);
        cursor = page.nextCursor;
      } while (cursor);
      open = ids.filter((id) => !['succeeded', 'failed', 'cancelled', 'unknown'].includes(tasks.get(id)?.status ?? 'missing')).length;
      if (open > 0) await sleep(1_000);
    }
    const rssAtEnd = new Map(processes.map(([name, p]) => [name, p.alive ? rssMiB(p.child.pid as number) : NaN]));

    const finished = ids.map((id) => tasks.get(id)).filter((t): t is TaskView => t?.status === 'succeeded');
    // Lost: accepted (201) but unknown to the task list. Open: still waiting when the drain gave up.
    const byStatus: Record<string, number> = {};
    for (const id of ids) {
      const status = tasks.get(id)?.status ?? 'missing';
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    const lost = byStatus['missing'] ?? 0;
    const notSucceeded = ids.length - finished.length;
    const latencies = finished.map((t) => Date.parse(t.finishedAt as string) - Date.parse(t.queuedAt));
    const inWindow = finished.filter((t) => Date.parse(t.finishedAt as string) <= started + sendingMs).length;
    const achieved = Math.round((inWindow / (sendingMs / 1000)) * 10) / 10;
    const accepted = Math.round((ids.length / (sendingMs / 1000)) * 10) / 10;
    const latency = summarize('task end to end (queued → finished, server clock)', latencies);
    const refusedTotal = [...refused.values()].reduce((a, b) => a + b, 0);

    printTable(`soak: ${options.duration} s at a target of ${options.rate} tasks/s; ratio is p50 / bare BullMQ job on the same Redis`, [floor.sample, latency], floor.sample);
    const figures: Figure[] = [
      { name: 'floor: bare BullMQ on Redis, jobs/s', value: floor.perSecond, unit: '/s' },
      { name: 'tasks accepted by the API per second', value: accepted, unit: '/s', target: `>= ${options.rate}`, met: accepted >= options.rate },
      { name: 'tasks succeeded per second (inside the window)', value: achieved, unit: '/s', target: `>= ${options.rate}`, met: achieved >= options.rate },
      { name: '  … as a share of the target', value: Math.round((achieved / options.rate) * 1000) / 10, unit: '%' },
      { name: 'arrivals not sent (every client slot busy, or waiting out a Retry-After)', value: notSent, unit: 'tasks' },
      { name: 'create requests refused by back-pressure (429)', value: refusedTotal, unit: `requests (by Retry-After in s: ${JSON.stringify(Object.fromEntries(refused))})` },
      { name: 'create requests that failed', value: [...failures.values()].reduce((a, b) => a + b, 0), unit: 'requests' },
      { name: 'tasks accepted', value: ids.length, unit: 'tasks' },
      { name: '  … lost (accepted, not in the task list)', value: lost, unit: 'tasks', target: '0', met: lost === 0 },
      { name: `  … not succeeded ${options.drain} s after sending stopped`, value: notSucceeded, unit: `tasks ${JSON.stringify(byStatus)}`, target: '0', met: notSucceeded === 0 },
      { name: 'p99 end-to-end latency', value: latency.p99, unit: 'ms' },
      ...processes.map(([name]) => ({ name: `RSS ${name}: start → end`, value: rssAtEnd.get(name) as number, unit: `MiB (start ${rssAtStart.get(name)} MiB)` })),
    ];
    printFigures(`soak: ${options.delegates} delegates × capacity ${options.capacity}, ${options.inFlight} client requests in flight at most`, figures);
    for (const [reason, count] of failures) console.log(`create failed ${count}×: ${reason}`);

    const dir = path.join(__dirname, 'results');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `soak-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
    const report = {
      at: new Date().toISOString(),
      host: { cpus: os.cpus().length, node: process.version },
      options,
      floor: { perSecond: floor.perSecond, sample: floor.sample },
      accepted: ids.length,
      acceptedPerSecond: accepted,
      succeededPerSecond: achieved,
      notSent,
      refused: refusedTotal,
      refusedByRetryAfterSeconds: Object.fromEntries(refused),
      failures: Object.fromEntries(failures),
      lost,
      notSucceeded,
      byStatus,
      latency,
      rss: Object.fromEntries(processes.map(([name]) => [name, { startMiB: rssAtStart.get(name), endMiB: rssAtEnd.get(name) }])),
    };
    await writeFile(file, JSON.stringify(report, null, 2));
    console.log(`\nresults written to ${path.relative(process.cwd(), file)}`);
    if (lost > 0 || notSucceeded > 0) process.exitCode = 1;
  } finally {
    for (const delegate of delegates.values()) await delegate.stop();
    await cp.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
