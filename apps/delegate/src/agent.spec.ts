import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import pino from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { generateGroupKeyPair } from '@conduit/crypto';
import {
  ControlPlaneFrame,
  decodeFrame,
  DELEGATE_SOCKET_PATH,
  DelegateFrame,
  encodeFrame,
  PROTOCOL_VERSION,
  TaskKind,
} from '@conduit/protocol';
import { DelegateAgent } from './agent';
import { loadDelegateConfig } from './config';
import { startHealthServer } from './health-server';
import { DelegateMetrics } from './metrics';
import { executorRegistry } from './tasks/executors';

const EXECUTORS = executorRegistry({}, { allowShell: true });
import { TaskRunner } from './tasks/runner';
import { offerOf, sealedSecret } from './tasks/testing';

type FrameOf<T extends DelegateFrame['type']> = Extract<DelegateFrame, { type: T }>;

/** One delegate socket as the control plane sees it; every frame received is checked against the protocol schema. */
class Connection {
  readonly frames: DelegateFrame[] = [];
  readonly invalid: string[] = [];
  readonly closed: Promise<number>;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly socket: WebSocket,
    readonly authorization: string | undefined,
  ) {
    socket.on('message', (data: Buffer) => {
      const decoded = decodeFrame(DelegateFrame, data);
      if (decoded.ok) this.frames.push(decoded.frame);
      else this.invalid.push(decoded.error.message);
      for (const waiter of [...this.waiters]) waiter();
    });
    this.closed = new Promise((resolve) => socket.on('close', (code) => resolve(code)));
  }

  send(frame: ControlPlaneFrame): void {
    this.socket.send(encodeFrame(frame));
  }

  next<T extends DelegateFrame['type']>(
    type: T,
    match: (frame: FrameOf<T>) => boolean = () => true,
    timeoutMs = 3_000,
  ): Promise<FrameOf<T>> {
    const find = () => this.frames.find((f): f is FrameOf<T> => f.type === type && match(f as FrameOf<T>));
    return new Promise((resolve, reject) => {
      const check = () => {
        const frame = find();
        if (!frame) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(frame);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${this.frames.map((f) => f.type).join(', ')}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Answers hello with welcome, as the control plane's gateway does. */
  async welcome(heartbeatIntervalMs = 1_000): Promise<FrameOf<'hello'>> {
    const hello = await this.next('hello');
    this.send({
      type: 'welcome',
      protocolVersion: PROTOCOL_VERSION,
      delegateId: randomUUID(),
      heartbeatIntervalMs,
      replicaId: 'replica-a',
    });
    return hello;
  }
}

/** A tiny stand-in for the control plane's delegate endpoint. */
class FakeControlPlane {
  readonly server: WebSocketServer;
  private readonly connections: Connection[] = [];
  private readonly waiters = new Set<() => void>();

  constructor() {
    this.server = new WebSocketServer({ port: 0, host: '127.0.0.1', path: DELEGATE_SOCKET_PATH });
    this.server.on('connection', (socket, request) => {
      this.connections.push(new Connection(socket, request.headers.authorization));
      for (const waiter of [...this.waiters]) waiter();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  connection(index: number, timeoutMs = 3_000): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const connection = this.connections[index];
        if (!connection) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(connection);
      };
      const timer = setTimeout(
        () => reject(new Error(`no connection #${index + 1} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.waiters.add(check);
      check();
    });
  }

  close(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('DelegateAgent with its task runner, against a control plane over a real socket', () => {
  const keys = generateGroupKeyPair();
  let cp: FakeControlPlane;
  let agent: DelegateAgent;
  let metrics: DelegateMetrics;
  let health: Server | undefined;

  beforeEach(async () => {
    cp = new FakeControlPlane();
    await new Promise((resolve) => cp.server.once('listening', resolve));
    const config = await loadDelegateConfig(
      {
        CONDUIT_URL: cp.url,
        CONDUIT_DELEGATE_TOKEN: 'cdt_test',
        DELEGATE_NAME: 'edge-1',
        DELEGATE_GROUP: 'edge',
        DELEGATE_PRIVATE_KEY: keys.privateKey,
        DELEGATE_CAPACITY: '2',
      },
      DELEGATE_SOCKET_PATH,
    );
    const log = pino({ level: 'silent' });
    metrics = new DelegateMetrics();
    const runner = new TaskRunner({
      capacity: config.DELEGATE_CAPACITY,
      executors: EXECUTORS,
      groupKey: {
        group: config.DELEGATE_GROUP,
        privateKey: (config.groupKey as NonNullable<typeof config.groupKey>).privateKey,
      },
      log,
      metrics,
      ackWaitMs: 500,
    });
    agent = new DelegateAgent(config, log, { publicKey: config.groupKey?.publicKey, tasks: runner });
    metrics.watch(agent);
    agent.start();
  });

  afterEach(async () => {
    await agent.stop();
    health?.close();
    health = undefined;
    await cp.close();
  });

  it('declares its kinds and group key, then claims an offer, runs it under the lease and reports a masked result', async () => {
    const connection = await cp.connection(0);
    expect(connection.authorization).toBe('Bearer cdt_test');
    const hello = await connection.welcome();
    expect(hello).toMatchObject({
      protocolVersion: PROTOCOL_VERSION,
      name: 'edge-1',
      group: 'edge',
      capacity: 2,
      publicKey: keys.publicKey,
    });
    expect([...hello.taskKinds].sort()).toEqual(
      [TaskKind.ConnectorTest, TaskKind.ConnectorOperation, TaskKind.Echo, TaskKind.Noop, TaskKind.NotificationSend, TaskKind.PipelineCi, TaskKind.PipelineDeploy, TaskKind.SecretReseal, TaskKind.Sleep, TaskKind.SleepMutating].sort(),
    );

    const value = 'p@ss-w0rd-in-the-vault';
    const offer = offerOf(
      TaskKind.Echo,
      { text: 'connecting with <+secrets.getValue("org.db_password")>\n' },
      {
        secrets: [
          sealedSecret('org.db_password', { kind: 'text', value }, 'edge', { publicKey: hello.publicKey as string }),
        ],
      },
    );
    connection.send(offer);
    expect(await connection.next('claim')).toEqual({ type: 'claim', taskId: offer.taskId, attempt: 1 });
    const leaseId = randomUUID();
    connection.send({
      type: 'lease',
      taskId: offer.taskId,
      granted: true,
      leaseId,
      expiresAt: Date.now() + 30_000,
      renewEveryMs: 10_000,
    });
    const result = await connection.next('result');
    expect(result).toMatchObject({
      taskId: offer.taskId,
      leaseId,
      status: 'succeeded',
      output: { text: 'connecting with ***\n' },
    });
    const logs = connection.frames.filter((f): f is FrameOf<'log'> => f.type === 'log');
    expect(logs.map((f) => f.data).join('')).toBe('connecting with ***\n');
    expect(JSON.stringify(connection.frames)).not.toContain(value);
    expect(connection.invalid).toEqual([]);
    connection.send({ type: 'result_ack', taskId: offer.taskId, accepted: true });

    health = await startHealthServer(agent, metrics.registry, 0);
    const body = await (await fetch(`http://127.0.0.1:${(health.address() as AddressInfo).port}/metrics`)).text();
    expect(body).toContain('conduit_delegate_tasks_total{kind="echo",status="succeeded"} 1');
    expect(body).toContain('conduit_delegate_tasks_running 0');
    expect(body).toContain('conduit_delegate_task_duration_seconds_count{kind="echo"} 1');
  });

  it('answers an invalid frame with an error frame and carries on', async () => {
    const connection = await cp.connection(0);
    await connection.welcome();
    connection.socket.send(JSON.stringify({ type: 'lease', taskId: 'not-a-uuid', granted: true }));
    expect(await connection.next('error')).toMatchObject({ code: 'FRAME_INVALID', ref: 'taskId' });
    const offer = offerOf(TaskKind.Noop, {});
    connection.send(offer);
    await connection.next('claim');
  });

  it('sends a result the control plane did not acknowledge again after reconnecting, under the same lease', async () => {
    const first = await cp.connection(0);
    await first.welcome();
    const offer = offerOf(TaskKind.Sleep, { ms: 10 });
    first.send(offer);
    await first.next('claim');
    const leaseId = randomUUID();
    first.send({ type: 'lease', taskId: offer.taskId, granted: true, leaseId, renewEveryMs: 10_000 });
    const result = await first.next('result');
    first.socket.terminate();

    const second = await cp.connection(1, 5_000);
    await second.welcome();
    expect(await second.next('result')).toEqual(result);
    expect(result.leaseId).toBe(leaseId);
    second.send({ type: 'result_ack', taskId: offer.taskId, accepted: true });
  });

  it('drains on request: reports running work in heartbeats, claims nothing new, finishes, then closes with 1000', async () => {
    const connection = await cp.connection(0);
    await connection.welcome(30);
    const offer = offerOf(TaskKind.SleepMutating, { ms: 150 }, { mutating: true });
    connection.send(offer);
    await connection.next('claim');
    connection.send({ type: 'lease', taskId: offer.taskId, granted: true, leaseId: randomUUID(), renewEveryMs: 40 });
    await connection.next('heartbeat', (h) => h.running === 1);
    const drained = new Promise<void>((resolve) => agent.once('drained', () => resolve()));
    connection.send({ type: 'drain', reason: 'replica shutting down', graceMs: 5_000 });
    const late = offerOf(TaskKind.Noop, {});
    connection.send(late);
    expect(await connection.next('result')).toMatchObject({ taskId: offer.taskId, status: 'succeeded' });
    expect(connection.frames.some((f) => f.type === 'renew')).toBe(true);
    connection.send({ type: 'result_ack', taskId: offer.taskId, accepted: true });
    expect(await connection.closed).toBe(1000);
    await drained;
    expect(connection.frames.filter((f) => f.type === 'claim')).toHaveLength(1);
    expect(agent.state).toBe('stopped');
  });
});
