import { EventEmitter } from 'node:events';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import {
  ControlPlaneFrame,
  corkedSend,
  decodeFrame,
  DelegateFrame,
  encodeFrame,
  FATAL_CLOSE_CODES,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  WelcomeFrame,
} from '@conduit/protocol';
import { Backoff } from './backoff';
import type { DelegateConfig } from './config';
import type { TaskControlFrame } from './tasks/runner';

export const AGENT_VERSION = '0.1.0';

export type AgentState = 'connecting' | 'connected' | 'draining' | 'stopped';

/** What the agent hands task frames to (the TaskRunner); the agent itself knows nothing of tasks. */
export interface TaskHandler {
  /** Task kinds declared in hello. */
  readonly kinds: readonly string[];
  /** Tasks running now, reported in heartbeats. */
  readonly running: number;
  connected(send: (frame: DelegateFrame) => void): void;
  disconnected(): void;
  handle(frame: TaskControlFrame): void;
  drain(graceMs: number): Promise<void>;
}

export interface AgentOptions {
  /** The group public key, sent in hello so the control plane can seal secrets for this group. */
  publicKey?: string;
  tasks?: TaskHandler;
}

/** How long to wait for the socket to open and for welcome before trying again. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * The delegate's side of the one WebSocket: dial out with the token, say hello, send heartbeats at the
 * interval the control plane sets, and redial with jittered backoff whenever the socket drops. A socket
 * that hears nothing (not even a ping) for three intervals is treated as half-dead and replaced.
 */
export class DelegateAgent extends EventEmitter {
  private socket?: WebSocket;
  /** Sends on the current socket; frames of one loop turn leave together (see corkedSend). */
  private write?: (data: string) => void;
  private readonly backoff = new Backoff();
  private heartbeatTimer?: NodeJS.Timeout;
  private silenceTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private welcome?: WelcomeFrame;
  private drainPromise?: Promise<void>;
  state: AgentState = 'connecting';

  constructor(
    private readonly config: DelegateConfig,
    private readonly log: Logger,
    private readonly options: AgentOptions = {},
  ) {
    super();
  }

  /** Tasks running now. */
  get running(): number {
    return this.options.tasks?.running ?? 0;
  }

  get delegateId(): string | undefined {
    return this.welcome?.delegateId;
  }

  start(): void {
    this.connect();
  }

  /**
   * Take no new tasks, let running ones finish within graceMs (then cancel them), close the socket with
   * 1000 and stay closed. Emits 'drained' when done; the same promise for every caller.
   */
  drain(graceMs: number, reason: string): Promise<void> {
    this.drainPromise ??= (async () => {
      this.log.info({ reason, graceMs, running: this.running }, 'draining');
      if (this.state === 'connected') this.state = 'draining';
      await this.options.tasks?.drain(graceMs);
      await this.stop();
      this.emit('drained');
    })();
    return this.drainPromise;
  }

  /** Close the socket and do not come back (running tasks are not waited for: see drain). */
  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.reconnectTimer);
    this.clearTimers();
    const socket = this.socket;
    if (!socket || socket.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      socket.once('close', () => resolve());
      socket.close(1000, 'delegate stopping');
      setTimeout(() => {
        socket.terminate();
        resolve();
      }, 2000).unref();
    });
  }

  private connect(): void {
    if (this.state === 'stopped') return;
    this.state = 'connecting';
    const tasks = this.options.tasks;
    const socket = new WebSocket(this.config.socketUrl, {
      ...this.config.connection,
      headers: { Authorization: `Bearer ${this.config.token}` },
      handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      maxPayload: MAX_FRAME_BYTES * 4,
    });
    this.socket = socket;
    socket.on('open', () => {
      this.write = corkedSend(socket);
      this.touch();
      this.send({
        type: 'hello',
        protocolVersion: PROTOCOL_VERSION,
        name: this.config.DELEGATE_NAME,
        group: this.config.DELEGATE_GROUP,
        tags: this.config.DELEGATE_TAGS,
        version: AGENT_VERSION,
        capacity: this.config.DELEGATE_CAPACITY,
        ...(this.options.publicKey !== undefined ? { publicKey: this.options.publicKey } : {}),
        taskKinds: tasks ? [...tasks.kinds] : [],
      });
    });
    socket.on('message', (data: WebSocket.RawData) => {
      this.touch();
      this.onFrame(data);
    });
    socket.on('ping', () => this.touch());
    socket.on('error', (error) => this.log.warn({ err: { message: error.message } }, 'control plane socket error'));
    socket.on('close', (code, reason) => this.onClose(socket, code, reason.toString()));
  }

  private onFrame(data: WebSocket.RawData): void {
    const decoded = decodeFrame(ControlPlaneFrame, data as Buffer);
    if (!decoded.ok) {
      this.log.warn({ code: decoded.error.code, message: decoded.error.message }, 'rejected a frame from the control plane');
      this.send(decoded.error);
      return;
    }
    const frame = decoded.frame;
    switch (frame.type) {
      case 'welcome':
        this.welcome = frame;
        this.state = this.drainPromise ? 'draining' : 'connected';
        this.backoff.reset();
        this.startHeartbeats(frame.heartbeatIntervalMs);
        this.log.info({ delegateId: frame.delegateId, replica: frame.replicaId }, 'connected to the control plane');
        this.options.tasks?.connected((out) => this.send(out));
        this.emit('connected', frame);
        return;
      case 'task_offer':
      case 'lease':
      case 'result_ack':
      case 'cancel':
        this.options.tasks?.handle(frame);
        return;
      case 'drain':
        this.log.info({ reason: frame.reason, graceMs: frame.graceMs }, 'control plane asked this delegate to drain');
        void this.drain(frame.graceMs, frame.reason);
        return;
      case 'error':
        this.log.warn({ code: frame.code, message: frame.message }, 'control plane reported an error');
        return;
    }
  }

  private onClose(socket: WebSocket, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.clearTimers();
    const wasConnected = this.state === 'connected' || this.state === 'draining';
    this.options.tasks?.disconnected();
    this.emit('disconnected', code);
    if (this.state === 'stopped') return;
    if (FATAL_CLOSE_CODES.has(code)) {
      this.log.fatal({ code, reason }, 'control plane refused this delegate; not reconnecting');
      this.state = 'stopped';
      this.emit('fatal', new Error(`control plane refused the connection (${code}): ${reason}`));
      return;
    }
    const delay = this.backoff.next();
    this.log[wasConnected ? 'warn' : 'info']({ code, reason, retryInMs: delay }, 'disconnected; reconnecting');
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private startHeartbeats(intervalMs: number): void {
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(
      () => this.send({ type: 'heartbeat', sentAt: Date.now(), running: this.running }),
      intervalMs,
    );
  }

  /** Any sign of life from the control plane pushes the half-dead deadline out. */
  private touch(): void {
    clearTimeout(this.silenceTimer);
    const intervalMs = this.welcome?.heartbeatIntervalMs ?? HANDSHAKE_TIMEOUT_MS;
    this.silenceTimer = setTimeout(() => {
      this.log.warn({ silentForMs: intervalMs * 3 }, 'control plane silent; replacing the socket');
      this.socket?.terminate();
    }, Math.max(intervalMs * 3, HANDSHAKE_TIMEOUT_MS));
  }

  private clearTimers(): void {
    clearInterval(this.heartbeatTimer);
    clearTimeout(this.silenceTimer);
  }

  private send(frame: DelegateFrame): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.write?.(encodeFrame(frame));
  }
}
