/** The wire protocol spoken between the control plane and delegates. Bumped on any incompatible frame change. */
export const PROTOCOL_VERSION = 2;

/**
 * Oldest delegate protocol a control plane still accepts: the current one and the one before it. Version 1
 * delegates (hello/heartbeat only) stay connected and listed but declare no task kinds, so get no tasks.
 */
export const MIN_SUPPORTED_PROTOCOL_VERSION = Math.max(1, PROTOCOL_VERSION - 1);

/** Largest frame either side accepts; a bigger one is answered with an error frame and dropped. */
export const MAX_FRAME_BYTES = 1024 * 1024;

/** The path of the control plane's delegate WebSocket endpoint. */
export const DELEGATE_SOCKET_PATH = '/v1/delegates/connect';

/** WebSocket close codes the control plane uses; the delegate decides from them whether to reconnect. */
export const CloseCode = {
  /** Token unknown or revoked: reconnecting cannot help. */
  Unauthorized: 4401,
  /** Protocol version not supported: reconnecting cannot help. */
  UnsupportedProtocol: 4426,
  /** The delegate's group key differs from the key the group registered: reconnecting cannot help. */
  GroupKeyMismatch: 4409,
  /** No hello within the allowed time, or a frame out of order. */
  ProtocolViolation: 4400,
  /** The control plane asked the delegate to go away (drain finished, replica shutting down). */
  GoingAway: 1001,
} as const;

/** Close codes after which a delegate must stop instead of reconnecting. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([CloseCode.Unauthorized, CloseCode.UnsupportedProtocol, CloseCode.GroupKeyMismatch]);
