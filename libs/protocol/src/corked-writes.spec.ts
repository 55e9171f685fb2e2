import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { corkedSend } from './corked-writes';

describe('corkedSend', () => {
  let server: WebSocketServer;
  beforeAll(async () => {
    server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends the frames of one loop turn in one TCP write, in order, and later frames in their own', async () => {
    const accepted = once(server, 'connection') as Promise<[WebSocket]>;
    const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
    await once(client, 'open');
    const [peer] = await accepted;
    const writes: number[] = [];
    const tcp = (client as unknown as { _socket: { write: (...args: unknown[]) => boolean; _writev?: unknown } })._socket;
    // Count what reaches the kernel: one writev for corked frames, one write per frame otherwise.
    const net = tcp as unknown as { _writeGeneric: (writev: boolean, data: unknown[] | Buffer, ...rest: unknown[]) => void };
    const writeGeneric = net._writeGeneric.bind(net);
    net._writeGeneric = (writev, data, ...rest) => {
      writes.push(writev ? (data as unknown[]).length : 1);
      writeGeneric(writev, data, ...rest);
    };
    const received: string[] = [];
    peer.on('message', (data: Buffer) => received.push(data.toString()));

    const send = corkedSend(client);
    send('one');
    send('two');
    send('three');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    send('four');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
    while (received.length < 4) await once(peer, 'message');
    expect(received).toEqual(['one', 'two', 'three', 'four']);
    client.close();
  });

  it('sends as it is on a socket that shows no TCP socket', () => {
    const sent: string[] = [];
    const send = corkedSend({ send: (data: string) => sent.push(data) });
    send('a');
    send('b');
    expect(sent).toEqual(['a', 'b']);
  });
});
