import { createServer, Server } from 'node:http';
import { connect, Socket } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { bypassesProxy, socketConnectionOptions } from './connection-options';

describe('bypassesProxy', () => {
  const url = new URL('wss://cp.corp.example:443/v1/delegates/connect');
  it.each([
    ['*', true],
    ['cp.corp.example', true],
    ['.corp.example', true],
    ['corp.example', true],
    ['example.org, .corp.example:443', true],
    ['.corp.example:8443', false],
    ['other.example', false],
    ['', false],
  ])('NO_PROXY=%j → %s', (noProxy, expected) => {
    expect(bypassesProxy(url, noProxy)).toBe(expected);
  });
});

describe('socketConnectionOptions through a real CONNECT proxy', () => {
  let proxy: Server;
  let target: WebSocketServer;
  const tunnels: string[] = [];

  beforeAll(async () => {
    target = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    target.on('connection', (socket) => socket.send('hello through the tunnel'));
    // A minimal forward proxy: CONNECT host:port, then bytes both ways.
    proxy = createServer();
    proxy.on('connect', (request, client: Socket) => {
      tunnels.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(':');
      const upstream = connect(Number(port), host as string, () => {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(client).pipe(upstream);
      });
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  });
  afterAll(() => {
    proxy.close();
    target.close();
  });

  it('tunnels the WebSocket through HTTP_PROXY and honours NO_PROXY', async () => {
    const targetUrl = `ws://127.0.0.1:${(target.address() as { port: number }).port}/v1/delegates/connect`;
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as { port: number }).port}`;
    const receive = (options: Awaited<ReturnType<typeof socketConnectionOptions>>) =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(targetUrl, options);
        socket.once('message', (data) => {
          resolve(data.toString());
          socket.close();
        });
        socket.once('error', reject);
      });

    expect(await receive(await socketConnectionOptions(targetUrl, { httpProxy: proxyUrl }, undefined))).toBe('hello through the tunnel');
    expect(tunnels).toEqual([`127.0.0.1:${(target.address() as { port: number }).port}`]);
    expect(await receive(await socketConnectionOptions(targetUrl, { httpProxy: proxyUrl, noProxy: '127.0.0.1' }, undefined))).toBe('hello through the tunnel');
    expect(tunnels).toHaveLength(1);
  });
});
