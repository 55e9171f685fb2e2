import { DELEGATE_SOCKET_PATH, PROTOCOL_VERSION } from '@conduit/protocol';
import WebSocket from 'ws';

type Frame = Record<string, unknown> & { type: string };

/**
 * A delegate speaking the wire protocol by hand, for control-plane tests that must choose exactly what
 * the delegate says (or fails to say): claims, lost leases, stale results. The real delegate has its
 * own tests and the end-to-end suite.
 */
export class FakeDelegate {
  readonly frames: Frame[] = [];
  private waiters: Array<{ match: (f: Frame) => boolean; resolve: (f: Frame) => void; reject: (e: Error) => void }> = [];
  closed?: { code: number; reason: string };
  delegateId?: string;

  private readonly heartbeat: NodeJS.Timeout;

  private constructor(readonly socket: WebSocket) {
    // Like a real delegate: heartbeats keep it counted as connected.
    this.heartbeat = setInterval(() => this.send({ type: 'heartbeat', sentAt: Date.now(), running: 0 }), 100);
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      // Each frame goes to one waiter, the earliest that matches, as a frame already here goes to one next().
      const waiter = this.waiters.find((w) => w.match(frame));
      if (waiter) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve(frame);
      }
    });
    socket.on('close', (code, reason) => {
      clearInterval(this.heartbeat);
      this.closed = { code, reason: reason.toString() };
      this.waiters.forEach((w) => w.reject(new Error(`socket closed (${code} ${reason.toString()})`)));
      this.waiters = [];
    });
  }

  static async connect(
    baseUrl: string,
    token: string,
    hello: { name: string; group?: string; tags?: string[]; capacity?: number; taskKinds?: string[]; publicKey?: string },
  ): Promise<FakeDelegate> {
    const socket = new WebSocket(`${baseUrl.replace('http', 'ws')}${DELEGATE_SOCKET_PATH}`, { headers: { Authorization: `Bearer ${token}` } });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const delegate = new FakeDelegate(socket);
    delegate.send({
      type: 'hello',
      protocolVersion: PROTOCOL_VERSION,
      name: hello.name,
      group: hello.group ?? 'default',
      tags: hello.tags ?? [],
      version: '0.1.0',
      capacity: hello.capacity ?? 4,
      taskKinds: hello.taskKinds ?? ['noop', 'sleep', 'sleep-mutating', 'echo'],
      ...(hello.publicKey ? { publicKey: hello.publicKey } : {}),
    });
    delegate.delegateId = (await delegate.next('welcome'))['delegateId'] as string;
    return delegate;
  }

  send(frame: Frame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  /** The next frame of a type (optionally for a task) not yet consumed by another wait. */
  next(type: string, taskId?: string, timeoutMs = 10_000): Promise<Frame> {
    const match = (f: Frame) => f.type === type && (taskId === undefined || f['taskId'] === taskId);
    const seen = this.frames.findIndex(match);
    if (seen >= 0) return Promise.resolve(this.frames.splice(seen, 1)[0] as Frame);
    if (this.closed) return Promise.reject(new Error(`socket closed (${this.closed.code} ${this.closed.reason})`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((f) => f.type))}`)), timeoutMs);
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          this.frames.splice(this.frames.indexOf(f), 1);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
    });
  }

  /** Claims an offered task and returns the granted lease id. */
  async claim(offer: Frame): Promise<string> {
    this.send({ type: 'claim', taskId: offer['taskId'], attempt: offer['attempt'] });
    const lease = await this.next('lease', offer['taskId'] as string);
    if (!lease['granted']) throw new Error(`lease refused: ${String(lease['reason'])}`);
    return lease['leaseId'] as string;
  }

  result(taskId: string, leaseId: string, status: 'succeeded' | 'failed' | 'cancelled', output: Record<string, unknown> = {}): void {
    this.send({ type: 'result', taskId, leaseId, status, output, stages: [], startedAt: Date.now() - 1, finishedAt: Date.now() });
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.socket.terminate();
  }
}
