import { Inject, Logger, OnApplicationShutdown } from '@nestjs/common';
import { OnGatewayConnection, WebSocketGateway } from '@nestjs/websockets';
import {
  CloseCode,
  ControlPlaneFrame,
  corkedSend,
  DELEGATE_SOCKET_PATH,
  DelegateFrame,
  decodeFrame,
  encodeFrame,
  FrameErrorCode,
  HelloFrame,
  MAX_FRAME_BYTES,
  MIN_SUPPORTED_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
} from '@conduit/protocol';
import type { IncomingMessage } from 'node:http';
import { Gauge } from 'prom-client';
import type { RawData, WebSocket } from 'ws';
import { CONFIG, ConduitConfig } from '../config/config';
import { MetricsService } from '../metrics/metrics.service';
import { REPLICA_ID } from '../replica';
import { DelegateTokenEntity } from './delegate.entities';
import { DelegateTokenService } from './delegate-token.service';
import { DelegateConnection, DelegatesService } from './delegates.service';
import { DelegateGroupsService } from './delegate-groups.service';
import { DelegateSessions } from './delegate-sessions';

/** A delegate has this long after the socket opens to say hello. */
const HELLO_TIMEOUT_MS = 10_000;
/**
 * Sockets are pinged in this many slices spread over the heartbeat interval: 10,000 pings in one loop stall
 * the event loop (and every frame waiting behind it) once per interval; a slice at a time does not.
 */
const PING_SLICES = 20;

interface Session {
  socket: WebSocket;
  /** Writes to the socket; frames of one loop turn leave together (see corkedSend). */
  write: (data: string) => void;
  send?: (frame: ControlPlaneFrame) => void;
  token?: DelegateTokenEntity;
  connection?: DelegateConnection;
  name?: string;
  alive: boolean;
}

/**
 * The delegates' one WebSocket: authenticate the token from the upgrade request, expect hello, answer
 * welcome, then keep the socket honest with pings. Frames are validated against libs/protocol; a bad frame
 * gets an error frame back and the connection carries on.
 */
@WebSocketGateway({ path: DELEGATE_SOCKET_PATH, maxPayload: MAX_FRAME_BYTES * 4 })
export class DelegateGateway implements OnGatewayConnection, OnApplicationShutdown {
  private readonly logger = new Logger(DelegateGateway.name);
  private readonly sockets = new Set<Session>();
  /** Each socket sits in one slice; one slice is pinged per tick, so each socket once per interval. */
  private readonly pingSlices = Array.from({ length: PING_SLICES }, () => new Set<Session>());
  private nextSlice = 0;
  private readonly pinger: NodeJS.Timeout;

  constructor(
    @Inject(CONFIG) private readonly config: ConduitConfig,
    @Inject(REPLICA_ID) private readonly replicaId: string,
    private readonly tokens: DelegateTokenService,
    private readonly delegates: DelegatesService,
    private readonly groups: DelegateGroupsService,
    private readonly sessions: DelegateSessions,
    metrics: MetricsService,
  ) {
    this.pinger = setInterval(() => this.pingSlice(), config.DELEGATE_HEARTBEAT_INTERVAL_MS / PING_SLICES);
    this.pinger.unref();
    new Gauge({
      name: 'conduit_delegates_connected',
      help: 'Delegates connected to this replica',
      registers: [metrics.registry],
      collect() {
        this.set(sessions.size);
      },
    });
  }

  async handleConnection(socket: WebSocket, request: IncomingMessage): Promise<void> {
    const session: Session = { socket, write: corkedSend(socket), alive: true };
    this.sockets.add(session);
    const slice = this.pingSlices[Math.floor(Math.random() * PING_SLICES)] as Set<Session>;
    slice.add(session);
    const helloTimer = setTimeout(() => this.close(session, CloseCode.ProtocolViolation, 'no hello received'), HELLO_TIMEOUT_MS);
    socket.on('pong', () => (session.alive = true));
    socket.on('error', (error) => this.logger.debug({ err: error, delegate: session.name }, 'delegate socket error'));
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.sockets.delete(session);
      slice.delete(session);
      if (session.connection) {
        if (session.send) this.sessions.detach(session.connection.delegateId, session.send);
        this.logger.log({ delegate: session.name }, 'delegate disconnected');
        this.delegates.disconnected(session.connection);
      }
    });
    // Frames may arrive while the token is being checked; they are handled in order once it is.
    const ready = this.authenticate(session, request);
    let chain: Promise<void> = ready;
    socket.on('message', (data: RawData) => {
      chain = chain.then(() => this.onMessage(session, data, helloTimer)).catch((error: unknown) => this.failed(session, error));
    });
    await ready;
  }

  private async authenticate(session: Session, request: IncomingMessage): Promise<void> {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    const check = match ? await this.tokens.check(match[1] as string) : ({ ok: false, reason: 'malformed' } as const);
    if (!check.ok) {
      const why = match ? `delegate token is ${check.reason}` : 'send the delegate token as "Authorization: Bearer <token>"';
      this.send(session, { type: 'error', code: 'UNAUTHORIZED', message: why });
      this.close(session, CloseCode.Unauthorized, why);
      return;
    }
    session.token = check.token;
  }

  private async onMessage(session: Session, data: RawData, helloTimer: NodeJS.Timeout): Promise<void> {
    if (!session.token) return; // refused; the socket is closing
    session.alive = true;
    const decoded = decodeFrame(DelegateFrame, data);
    if (!decoded.ok) {
      this.send(session, decoded.error);
      return;
    }
    const frame = decoded.frame;
    switch (frame.type) {
      case 'hello':
        clearTimeout(helloTimer);
        await this.onHello(session, session.token, frame);
        return;
      case 'heartbeat':
        if (!session.connection) return this.unexpected(session, 'heartbeat before hello');
        this.delegates.heartbeat(session.connection.delegateId);
        return;
      case 'error':
        this.logger.warn({ delegate: session.name, code: frame.code, message: frame.message }, 'delegate reported an error');
        return;
      default:
        if (!session.connection) return this.unexpected(session, `${frame.type} before hello`);
        // Not awaited: the socket's next frame may be another task's (DelegateSessions keeps each task in order).
        this.sessions.handleTaskFrame(session.connection.delegateId, frame).catch((error: unknown) => this.failed(session, error));
    }
  }

  private async onHello(session: Session, token: DelegateTokenEntity, hello: HelloFrame): Promise<void> {
    if (session.connection) return this.unexpected(session, 'a second hello on the same socket');
    if (hello.protocolVersion < MIN_SUPPORTED_PROTOCOL_VERSION || hello.protocolVersion > PROTOCOL_VERSION) {
      const message = `protocol version ${hello.protocolVersion} is not supported; this control plane speaks ${MIN_SUPPORTED_PROTOCOL_VERSION}..${PROTOCOL_VERSION}`;
      this.send(session, { type: 'error', code: 'UNSUPPORTED_PROTOCOL', message, ref: 'protocolVersion' });
      this.close(session, CloseCode.UnsupportedProtocol, 'unsupported protocol version');
      return;
    }
    if (hello.publicKey) {
      const key = await this.groups.registerKey(token.accountId, hello.group, hello.publicKey);
      if (!key.ok) {
        this.send(session, { type: 'error', code: 'GROUP_KEY_MISMATCH', message: key.message, ref: 'publicKey' });
        this.close(session, CloseCode.GroupKeyMismatch, 'delegate group key mismatch');
        return;
      }
    }
    const remote = (session.socket as unknown as { _socket?: { remoteAddress?: string } })._socket?.remoteAddress ?? null;
    session.connection = await this.delegates.register(token, hello, remote);
    session.name = hello.name;
    this.send(session, {
      type: 'welcome',
      protocolVersion: Math.min(hello.protocolVersion, PROTOCOL_VERSION),
      delegateId: session.connection.delegateId,
      heartbeatIntervalMs: this.config.DELEGATE_HEARTBEAT_INTERVAL_MS,
      replicaId: this.replicaId,
    });
    session.send = (frame) => this.send(session, frame);
    this.sessions.attach(session.connection.delegateId, session.send);
    this.logger.log({ delegate: hello.name, group: hello.group, tags: hello.tags, version: hello.version }, 'delegate connected');
  }

  private failed(session: Session, error: unknown): void {
    this.logger.error({ err: error, delegate: session.name }, 'delegate frame handling failed');
    this.send(session, { type: 'error', code: 'INTERNAL', message: 'the control plane could not handle that frame' });
  }

  private unexpected(session: Session, what: string): void {
    this.send(session, { type: 'error', code: FrameErrorCode.Unexpected, message: `unexpected frame: ${what}` });
  }

  private send(session: Session, frame: ControlPlaneFrame): void {
    if (session.socket.readyState === session.socket.OPEN) session.write(encodeFrame(frame));
  }

  private close(session: Session, code: number, reason: string): void {
    if (session.socket.readyState === session.socket.OPEN) session.socket.close(code, reason.slice(0, 120));
  }

  /** A socket that answered neither its last ping nor sent anything since is half-dead: drop it. */
  private pingSlice(): void {
    const slice = this.pingSlices[this.nextSlice] as Set<Session>;
    this.nextSlice = (this.nextSlice + 1) % PING_SLICES;
    for (const session of slice) {
      if (!session.alive) {
        session.socket.terminate();
        continue;
      }
      session.alive = false;
      session.socket.ping();
    }
  }

  onApplicationShutdown(): void {
    clearInterval(this.pinger);
    for (const session of this.sockets) this.close(session, CloseCode.GoingAway, 'control plane shutting down');
  }
}
