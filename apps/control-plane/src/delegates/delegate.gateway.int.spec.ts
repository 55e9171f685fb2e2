import WebSocket from 'ws';
import { CloseCode, DELEGATE_SOCKET_PATH, PROTOCOL_VERSION } from '@conduit/protocol';
import { startTestControlPlane, TestControlPlane } from '../testing/test-env';

interface Received {
  frames: Array<Record<string, unknown>>;
  closed: Promise<{ code: number; reason: string }>;
  next(type: string): Promise<Record<string, unknown>>;
}

function connect(cp: TestControlPlane, token: string): { socket: WebSocket; received: Received; opened: Promise<void> } {
  const socket = new WebSocket(`${cp.url.replace('http', 'ws')}${DELEGATE_SOCKET_PATH}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const frames: Array<Record<string, unknown>> = [];
  const waiters: Array<{ type: string; resolve: (f: Record<string, unknown>) => void }> = [];
  socket.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Record<string, unknown>;
    frames.push(frame);
    const index = waiters.findIndex((w) => w.type === frame['type']);
    if (index >= 0) waiters.splice(index, 1)[0]?.resolve(frame);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const opened = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    opened,
    received: {
      frames,
      closed,
      next: (type) =>
        new Promise((resolve) => {
          const seen = frames.find((f) => f['type'] === type);
          if (seen) resolve(seen);
          else waiters.push({ type, resolve });
        }),
    },
  };
}

const hello = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    type: 'hello',
    protocolVersion: PROTOCOL_VERSION,
    name: 'edge-1',
    group: 'edge',
    tags: ['K8s-Prod', 'linux'],
    version: '0.1.0',
    capacity: 2,
    ...overrides,
  });

async function listDelegates(cp: TestControlPlane) {
  const response = await fetch(`${cp.url}/v1/delegates`, { headers: { Authorization: `Bearer ${cp.adminApiKey}` } });
  return ((await response.json()) as { items: Array<Record<string, unknown>> }).items;
}

async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const value = await probe();
    if (accept(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('delegate gateway (real control plane, PostgreSQL, Redis)', () => {
  let cp: TestControlPlane;
  let token: string;

  beforeAll(async () => {
    cp = await startTestControlPlane({ queue: 'redis' });
    token = await cp.createDelegateToken();
  });
  afterAll(() => cp?.close());

  it('welcomes a delegate, lists it as connected, and records its heartbeats and disconnect', async () => {
    const { socket, received, opened } = connect(cp, token);
    await opened;
    socket.send(hello());
    const welcome = await received.next('welcome');
    expect(welcome).toMatchObject({ protocolVersion: PROTOCOL_VERSION, heartbeatIntervalMs: 200, delegateId: expect.any(String) });

    const [listed] = await listDelegates(cp);
    expect(listed).toMatchObject({ id: welcome['delegateId'], name: 'edge-1', group: 'edge', status: 'connected', tags: ['k8s-prod', 'linux'], capacity: 2 });

    const before = listed?.['lastHeartbeatAt'] as string;
    await new Promise((r) => setTimeout(r, 20));
    socket.send(JSON.stringify({ type: 'heartbeat', sentAt: Date.now(), running: 0 }));
    await eventually(() => listDelegates(cp), ([d]) => (d?.['lastHeartbeatAt'] as string) > before, 'a recorded heartbeat');

    socket.close();
    await received.closed;
    await eventually(() => listDelegates(cp), ([d]) => d?.['status'] === 'disconnected', 'the disconnect');
    // Recorded from the close itself, not by the silence sweep (which needs 10 quiet 200 ms intervals).
    const [gap] = (await cp.dataSource.query(`SELECT extract(epoch FROM disconnected_at - last_heartbeat_at) * 1000 AS ms FROM delegates WHERE id = $1`, [
      welcome['delegateId'],
    ])) as Array<{ ms: number }>;
    expect(Number(gap?.ms)).toBeLessThan(2000);
  });

  it('answers malformed and unknown frames with error frames and keeps the socket open', async () => {
    const { socket, received, opened } = connect(cp, token);
    await opened;
    socket.send('{"type":"hello",');
    socket.send(JSON.stringify({ type: 'teleport' }));
    socket.send(hello({ capacity: -1 }));
    await eventually(async () => received.frames.length, (n) => n >= 3, 'three error frames');
    expect(received.frames.map((f) => f['code'])).toEqual(['FRAME_NOT_JSON', 'FRAME_UNKNOWN_TYPE', 'FRAME_INVALID']);
    expect(received.frames[2]).toMatchObject({ ref: 'capacity' });

    socket.send(hello({ name: 'edge-2' }));
    expect(await received.next('welcome')).toMatchObject({ type: 'welcome' });
    socket.close();
    await received.closed;
  });

  it('refuses a wrong token with close code 4401 and an error frame', async () => {
    const { received } = connect(cp, `${token.slice(0, -3)}xyz`);
    const closed = await received.closed;
    expect(closed.code).toBe(CloseCode.Unauthorized);
    expect(received.frames[0]).toMatchObject({ type: 'error', code: 'UNAUTHORIZED' });
  });

  it('refuses a delegate speaking an unsupported protocol version', async () => {
    const { socket, received, opened } = connect(cp, token);
    await opened;
    socket.send(hello({ protocolVersion: PROTOCOL_VERSION + 1, name: 'edge-future' }));
    expect((await received.closed).code).toBe(CloseCode.UnsupportedProtocol);
    expect(received.frames[0]).toMatchObject({ code: 'UNSUPPORTED_PROTOCOL', ref: 'protocolVersion' });
  });

  it('accepts a delegate of the previous protocol version, answering in its version', async () => {
    const { socket, received, opened } = connect(cp, token);
    await opened;
    socket.send(hello({ protocolVersion: PROTOCOL_VERSION - 1, name: 'edge-old' }));
    expect(await received.next('welcome')).toMatchObject({ protocolVersion: PROTOCOL_VERSION - 1 });
    socket.close();
    await received.closed;
  });

  it('stays up after all of that', async () => {
    expect((await fetch(`${cp.url}/readyz`)).status).toBe(200);
  });
});
