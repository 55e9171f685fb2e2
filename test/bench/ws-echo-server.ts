import { WebSocketServer } from 'ws';

/**
 * A bare WebSocket echo server, run as its own process so the ws floor crosses processes the way the
 * control plane ↔ delegate hop does. Prints `listening <port>` once ready; exits on SIGTERM.
 */
const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
server.on('connection', (socket) => socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })));
server.on('listening', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : String(address)}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
