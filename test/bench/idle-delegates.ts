import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { encodeFrame, HeartbeatFrame, HelloFrame, PROTOCOL_VERSION } from '@conduit/protocol';

/**
 * Many idle delegates in one process, for the idle-connections benchmark: each socket says hello, sends a
 * heartbeat every heartbeatIntervalMs from its welcome (exactly what apps/delegate does when idle), and
 * answers the control plane's pings (ws does that by itself). Driven by the parent over IPC:
 *   connect {count, concurrency} → connected {ok, failed, ms, handshakeMs}
 *   probe {durationMs, tickMs, perTick} → probed {rttMs, unanswered, loopDelayP99Ms}
 *   status → status {open, closedAfterWelcome, errorFrames}
 */

export type IdleCommand =
  | { type: 'connect'; socketUrl: string; token: string; namePrefix: string; count: number; concurrency: number }
  | { type: 'probe'; durationMs: number; tickMs: number; perTick: number }
  | { type: 'status' };

export type IdleReport =
  | { type: 'connected'; ok: number; failed: number; ms: number; handshakeMs: number[]; firstError?: string }
  | { type: 'probed'; rttMs: number[]; unanswered: number; loopDelayP99Ms: number; slow: Array<{ atMs: number; rttMs: number }> }
  | { type: 'status'; open: number; closedAfterWelcome: number; errorFrames: number; closeCodes: Record<string, number> };

/** Round trips slower than this are reported with their time, to see whether they come in periodic bursts. */
const SLOW_MS = 20;

const sockets: WebSocket[] = [];
let closedAfterWelcome = 0;
let errorFrames = 0;
const closeCodes: Record<string, number> = {};
let serial = 0;

function connectOne(socketUrl: string, token: string, name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const socket = new WebSocket(socketUrl, { headers: { authorization: `Bearer ${token}` }, perMessageDeflate: false });
    let welcomed = false;
    let heartbeat: NodeJS.Timeout | undefined;
    const hello: HelloFrame = { type: 'hello', protocolVersion: PROTOCOL_VERSION, name, group: 'bench-idle', tags: [], version: '0.0.0-bench', capacity: 1, taskKinds: [] };
    socket.on('open', () => socket.send(encodeFrame(hello)));
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; heartbeatIntervalMs?: number; message?: string };
      if (frame.type === 'welcome' && !welcomed) {
        welcomed = true;
        sockets.push(socket);
        heartbeat = setInterval(() => {
          const beat: HeartbeatFrame = { type: 'heartbeat', sentAt: Date.now(), running: 0 };
          socket.send(encodeFrame(beat));
        }, frame.heartbeatIntervalMs);
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      } else if (frame.type === 'error') {
        errorFrames++;
        if (!welcomed) reject(new Error(`error frame before welcome: ${frame.message}`));
      }
    });
    socket.on('error', (error) => {
      if (!welcomed) reject(error);
    });
    socket.on('close', (code) => {
      clearInterval(heartbeat);
      if (welcomed) {
        closedAfterWelcome++;
        closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      } else reject(new Error(`closed before welcome (${code})`));
    });
  });
}

async function connect(command: Extract<IdleCommand, { type: 'connect' }>): Promise<IdleReport> {
  const started = Date.now();
  const handshakeMs: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let next = 0;
  await Promise.all(
    Array.from({ length: command.concurrency }, async () => {
      while (next < command.count) {
        next++;
        try {
          handshakeMs.push(await connectOne(command.socketUrl, command.token, `${command.namePrefix}-${serial++}`));
        } catch (error) {
          failed++;
          firstError ??= (error as Error).message;
        }
      }
    }),
  );
  return { type: 'connected', ok: handshakeMs.length, failed, ms: Date.now() - started, handshakeMs, ...(firstError ? { firstError } : {}) };
}

/** Pings a few random sockets every tick and times the pongs: how promptly the control plane's loop answers. */
async function probe(command: Extract<IdleCommand, { type: 'probe' }>): Promise<IdleReport> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const rttMs: number[] = [];
  const slow: Array<{ atMs: number; rttMs: number }> = [];
  const probeStart = process.hrtime.bigint();
  const outstanding = new Map<WebSocket, bigint>();
  const onPong = (socket: WebSocket) => () => {
    const sent = outstanding.get(socket);
    if (sent === undefined) return;
    outstanding.delete(socket);
    const rtt = Number(process.hrtime.bigint() - sent) / 1e6;
    rttMs.push(rtt);
    if (rtt > SLOW_MS) slow.push({ atMs: Math.round(Number(sent - probeStart) / 1e6), rttMs: Math.round(rtt) });
  };
  const listeners = new Map<WebSocket, () => void>();
  const timer = setInterval(() => {
    for (let i = 0; i < command.perTick; i++) {
      const socket = sockets[Math.floor(Math.random() * sockets.length)];
      if (!socket || outstanding.has(socket) || socket.readyState !== WebSocket.OPEN) continue;
      if (!listeners.has(socket)) {
        const listener = onPong(socket);
        listeners.set(socket, listener);
        socket.on('pong', listener);
      }
      outstanding.set(socket, process.hrtime.bigint());
      socket.ping();
    }
  }, command.tickMs);
  await new Promise((resolve) => setTimeout(resolve, command.durationMs));
  clearInterval(timer);
  await new Promise((resolve) => setTimeout(resolve, 2000)); // late pongs still count; none after this is "unanswered"
  for (const [socket, listener] of listeners) socket.off('pong', listener);
  loop.disable();
  return { type: 'probed', rttMs, unanswered: outstanding.size, loopDelayP99Ms: loop.percentile(99) / 1e6, slow };
}

process.on('message', (command: IdleCommand) => {
  const reply = (report: IdleReport) => process.send?.(report);
  if (command.type === 'connect') void connect(command).then(reply);
  else if (command.type === 'probe') void probe(command).then(reply);
  else {
    const open = sockets.filter((s) => s.readyState === WebSocket.OPEN).length;
    reply({ type: 'status', open, closedAfterWelcome, errorFrames, closeCodes });
  }
});
process.on('SIGTERM', () => process.exit(0));
process.on('disconnect', () => process.exit(0));
