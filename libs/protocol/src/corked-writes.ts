/** What a `ws` WebSocket shows of its TCP socket: ws keeps it as `_socket`; only cork/uncork are used here. */
interface WithTcpSocket {
  _socket?: { cork(): void; uncork(): void } | null;
}

/**
 * A send for one socket under which the frames of one event-loop turn leave in one TCP write: the first
 * corks the socket and the turn's end (setImmediate) uncorks it. A delegate's last progress frames and its
 * result then reach the control plane together — one wake-up, and one database statement for the events
 * and the result — instead of one packet each. Frames still go out in order, within the same turn.
 */
export function corkedSend(socket: { send(data: string): void }): (data: string) => void {
  const tcp = (socket as WithTcpSocket)._socket;
  let corked = false;
  return (data) => {
    if (tcp && !corked) {
      corked = true;
      tcp.cork();
      setImmediate(() => {
        corked = false;
        tcp.uncork();
      });
    }
    socket.send(data);
  };
}
