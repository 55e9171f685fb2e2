import { fork } from 'node:child_process';
import * as path from 'node:path';
import { Client } from 'pg';
import { DELEGATE_SOCKET_PATH } from '@conduit/protocol';
import { ROOT, RunningProcess, waitFor } from '../support/processes';
import { BenchSample, CpuMeter, Figure, postgresBackendPids, printFigures, rssMiB, sleep, startControlPlane } from './harness';
import type { IdleCommand, IdleReport } from './idle-delegates';
import { printTable, Sample, summarize } from './stats';

const CONNECTIONS = 10_000;
const BASELINE_CONNECTIONS = 20;
const CONNECT_CONCURRENCY = 200;
/** Held this long with everything connected: three heartbeat intervals at the default 10 s. */
const HOLD_MS = 30_000;
const PROBE = { tickMs: 100, perTick: 20 };
const RSS_TARGET_MIB = 1024;
const round = (v: number) => Math.round(v * 100) / 100;

/**
 * Issue target: 10,000 idle delegate connections on one control plane under 1 GiB. A separate Node process
 * opens them (hello, then heartbeats, as an idle delegate does) in batches; reported are the control
 * plane's RSS before and after, the time to connect all, ping → pong round trips measured by the client
 * with 20 connections (the floor) and with all 10,000, and, from the database, how fresh the recorded
 * last_heartbeat_at is and whether every delegate is still listed as connected after three intervals.
 */
export async function benchIdleConnections(): Promise<Sample[]> {
  const cp = await startControlPlane({ queue: 'redis' });
  let client: RunningProcess | undefined;
  const db = new Client({ connectionString: cp.databaseUrl });
  try {
    await db.connect();
    await sleep(3000);
    const rssBefore = rssMiB(cp.pid);
    const child = fork(path.join(__dirname, 'idle-delegates.ts'), [], {
      cwd: ROOT,
      execArgv: ['-r', '@swc-node/register'],
      env: { PATH: process.env['PATH'] ?? '', SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json') },
      silent: true,
    });
    client = new RunningProcess(child);
    const running = client;
    const ask = <T extends IdleReport['type']>(command: IdleCommand, answer: T, timeoutMs: number) =>
      new Promise<Extract<IdleReport, { type: T }>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`idle client: no '${answer}' within ${timeoutMs} ms:\n${running.output.slice(-2000)}`)), timeoutMs);
        const onMessage = (report: IdleReport) => {
          if (report.type !== answer) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(report as Extract<IdleReport, { type: T }>);
        };
        child.on('message', onMessage);
        child.once('exit', (code) => reject(new Error(`idle client exited (${code}):\n${running.output.slice(-2000)}`)));
        child.send(command);
      });
    const socketUrl = `${cp.url.replace(/^http/, 'ws')}${DELEGATE_SOCKET_PATH}`;
    const connect = (count: number) => ask({ type: 'connect', socketUrl, token: cp.delegateToken, namePrefix: 'idle', count, concurrency: CONNECT_CONCURRENCY }, 'connected', 300_000);

    const baseline = await connect(BASELINE_CONNECTIONS);
    if (baseline.failed) throw new Error(`baseline connections failed: ${baseline.firstError}`);
    const floor = await ask({ type: 'probe', durationMs: 10_000, ...PROBE }, 'probed', 30_000);

    const rest = await connect(CONNECTIONS - BASELINE_CONNECTIONS);
    const connected = baseline.ok + rest.ok;
    console.log(`connected ${connected} of ${CONNECTIONS} (${rest.failed} failed${rest.firstError ? `, first: ${rest.firstError}` : ''}) in ${(rest.ms / 1000).toFixed(1)} s`);
    const rssConnected = rssMiB(cp.pid);

    const meter = new CpuMeter({ 'control plane': () => [cp.pid], 'postgres backends': () => postgresBackendPids(cp.databaseUrl), 'idle client': () => [child.pid as number] });
    await meter.start();
    const heldFrom = Date.now();
    const rssDuringHold: number[] = [];
    // The V8 heap in use beside the RSS: a heap that falls back after collections is garbage, one that only climbs a leak.
    const heapDuringHold: Array<Promise<number>> = [];
    const rssTimer = setInterval(() => {
      rssDuringHold.push(rssMiB(cp.pid));
      heapDuringHold.push(heapUsedMiB(cp.url));
    }, 5_000);
    const loaded = await ask({ type: 'probe', durationMs: HOLD_MS, ...PROBE }, 'probed', HOLD_MS + 30_000);
    clearInterval(rssTimer);
    await meter.stop();
    const cpu = meter.per((Date.now() - heldFrom) / 1000);
    const bursts = burstsOf(loaded.slow);
    const rssAfter = rssMiB(cp.pid);
    const status = await ask({ type: 'status' }, 'status', 10_000);

    const { rows } = await db.query<{ status: string; n: number; p50: number; p90: number; p99: number; max: number }>(
      `SELECT status, count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY age) AS p50, percentile_cont(0.9) WITHIN GROUP (ORDER BY age) AS p90,
              percentile_cont(0.99) WITHIN GROUP (ORDER BY age) AS p99, max(age) AS max
         FROM (SELECT status, extract(epoch FROM now() - last_heartbeat_at) * 1000 AS age FROM delegates WHERE group_name = 'bench-idle') d
        GROUP BY status`,
    );
    const listedConnected = rows.find((r) => r.status === 'connected');
    const notConnected = rows.filter((r) => r.status !== 'connected').map((r) => `${r.status} ${r.n}`);

    // Tear down: the client goes first; then how long the control plane takes to record 10,000 disconnects.
    const closing = Date.now();
    await client.stop();
    const allGone = await waitFor(
      async () => {
        const { rows: left } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM delegates WHERE group_name = 'bench-idle' AND status <> 'disconnected'`);
        return left[0]?.n === 0 ? Date.now() - closing : undefined;
      },
      'every idle delegate recorded as disconnected',
      { timeoutMs: 120_000, process: cp.process },
    ).catch(() => undefined);

    const heartbeatAge: BenchSample | undefined = listedConnected && {
      name: `last_heartbeat_at age in the database, ${listedConnected.n} delegates (interval 10 s, flushed every 10 s)`,
      unit: 'ms',
      n: listedConnected.n,
      p50: round(listedConnected.p50),
      p90: round(listedConnected.p90),
      p99: round(listedConnected.p99),
      max: round(listedConnected.max),
    };
    const floorSample = summarize(`floor: ping → pong with ${BASELINE_CONNECTIONS} delegates connected`, floor.rttMs);
    const cpuPct = (who: string) => round((cpu.msPerUnit[who] ?? 0) / 10); // ms of CPU per second → % of one core
    const loadedSample: BenchSample = {
      ...summarize(`ping → pong with ${connected} delegates connected (${HOLD_MS / 1000} s)`, loaded.rttMs),
      figures: {
        unanswered: loaded.unanswered,
        clientLoopDelayP99Ms: round(loaded.loopDelayP99Ms),
        connections: connected,
        connectAllMs: rest.ms,
        rssBeforeMiB: rssBefore,
        rssConnectedMiB: rssConnected,
        rssAfterHoldMiB: rssAfter,
        kibPerConnection: Math.round(((rssAfter - rssBefore) * 1024) / Math.max(1, connected)),
        controlPlaneCpuPctOfOneCore: cpuPct('control plane'),
        postgresCpuPctOfOneCore: cpuPct('postgres backends'),
        closedAfterWelcome: status.closedAfterWelcome,
        ...(allGone !== undefined ? { allDisconnectsRecordedMs: allGone } : {}),
        rssDuringHoldMiB: rssDuringHold.join(' '),
        slowPingBursts: bursts.map((b) => `${b.atMs}ms:${b.count}x<=${b.worstMs}ms`).join(' '),
      },
    };
    const samples: BenchSample[] = [
      floorSample,
      loadedSample,
      summarize(`handshake (open → welcome) while connecting ${CONNECTIONS - BASELINE_CONNECTIONS}, ${CONNECT_CONCURRENCY} at a time`, rest.handshakeMs),
      ...(heartbeatAge ? [heartbeatAge] : []),
    ];
    printTable(`idle connections: ${connected} delegate sockets on one control plane; ratio is p50 / the ${BASELINE_CONNECTIONS}-connection floor`, samples, floorSample);
    const figures: Figure[] = [
      { name: 'connections open (welcomed) / failed', value: connected, unit: `open, ${rest.failed} failed`, target: `${CONNECTIONS}`, met: connected === CONNECTIONS },
      { name: 'time to connect all', value: Math.round(rest.ms / 100) / 10, unit: `s (${Math.round((rest.ok / rest.ms) * 1000)} connections/s)` },
      { name: 'control plane RSS before', value: rssBefore, unit: 'MiB' },
      { name: 'control plane RSS, all connected', value: rssConnected, unit: 'MiB' },
      { name: `control plane RSS after ${HOLD_MS / 1000} s held`, value: rssAfter, unit: 'MiB', target: `< ${RSS_TARGET_MIB} MiB`, met: rssAfter < RSS_TARGET_MIB },
      { name: '  … per connection', value: Math.round(((rssAfter - rssBefore) * 1024) / Math.max(1, connected)), unit: 'KiB' },
      { name: 'control plane CPU while idle-connected', value: cpuPct('control plane'), unit: '% of one core' },
      { name: 'postgres CPU while idle-connected', value: cpuPct('postgres backends'), unit: '% of one core' },
      { name: 'idle client CPU (10,000 sockets, heartbeats, probes)', value: cpuPct('idle client'), unit: '% of one core' },
      { name: 'sockets closed by the server while held', value: status.closedAfterWelcome, unit: JSON.stringify(status.closeCodes), target: '0', met: status.closedAfterWelcome === 0 },
      { name: 'pings unanswered (2 s grace)', value: loaded.unanswered, unit: `of ${loaded.rttMs.length + loaded.unanswered}` },
      { name: 'listed connected after the hold', value: listedConnected?.n ?? 0, unit: notConnected.length ? `(others: ${notConnected.join(', ')})` : '', target: `${connected}`, met: listedConnected?.n === connected },
      { name: 'client event-loop delay p99 (client-side noise in the RTTs)', value: round(loaded.loopDelayP99Ms), unit: 'ms' },
      { name: 'all disconnects recorded after the client left', value: allGone === undefined ? NaN : Math.round(allGone / 100) / 10, unit: 's' },
    ];
    printFigures(`idle connections: ${CONNECTIONS} delegates`, figures);
    console.log(`control plane RSS every 5 s while held: ${rssDuringHold.join(', ')} MiB`);
    console.log(`control plane V8 heap used every 5 s while held: ${(await Promise.all(heapDuringHold)).join(', ')} MiB`);
    console.log(
      `ping round trips over 20 ms while held: ${loaded.slow.length}, in ${bursts.length} burst(s) starting at ${bursts.map((b) => `${(b.atMs / 1000).toFixed(1)} s (${b.count}, worst ${b.worstMs} ms)`).join(', ')}`,
    );
    return samples;
  } finally {
    await client?.stop();
    await db.end().catch(() => undefined);
    await cp.stop();
  }
}

/** Groups slow round trips that are less than a second apart: a burst is one stall of the control plane. */
function burstsOf(slow: Array<{ atMs: number; rttMs: number }>): Array<{ atMs: number; count: number; worstMs: number }> {
  const bursts: Array<{ atMs: number; lastMs: number; count: number; worstMs: number }> = [];
  for (const s of [...slow].sort((a, b) => a.atMs - b.atMs)) {
    const last = bursts[bursts.length - 1];
    if (last && s.atMs - last.lastMs < 1000) {
      last.lastMs = s.atMs;
      last.count++;
      last.worstMs = Math.max(last.worstMs, s.rttMs);
    } else bursts.push({ atMs: s.atMs, lastMs: s.atMs, count: 1, worstMs: s.rttMs });
  }
  return bursts.map(({ atMs, count, worstMs }) => ({ atMs, count, worstMs }));
}

/** The control plane's V8 heap in use, from its own /metrics (prom-client's default nodejs metrics). */
async function heapUsedMiB(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const bytes = Number(/^conduit_nodejs_heap_size_used_bytes (\S+)$/m.exec(text)?.[1]);
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}
