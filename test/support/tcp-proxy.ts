import { createConnection, createServer, Server, Socket } from 'node:net';

/**
 * A loopback TCP load balancer for the scale-out tests: each new connection goes to the next upstream
 * that accepts it, so when a replica dies its delegates' reconnections land on the survivors.
 */
export async function startTcpProxy(upstreams: number[]): Promise<{ port: number; stop(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<Socket>();
  const connect = (client: Socket, tried: number) => {
    if (tried >= upstreams.length) {
      client.destroy();
      return;
    }
    const port = upstreams[next++ % upstreams.length] as number;
    const upstream = createConnection({ host: '127.0.0.1', port });
    upstream.once('connect', () => {
      sockets.add(upstream);
      client.pipe(upstream).pipe(client);
      client.resume();
    });
    upstream.once('error', () => {
      if (!upstream.readyState || upstream.connecting) connect(client, tried + 1);
      else client.destroy();
    });
    upstream.on('close', () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on('close', () => upstream.destroy());
    client.on('error', () => upstream.destroy());
  };
  const server: Server = createServer({ pauseOnConnect: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    connect(client, 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as { port: number }).port,
    stop: () =>
      new Promise<void>((resolve) => {
        sockets.forEach((s) => s.destroy());
        server.close(() => resolve());
      }),
  };
}
