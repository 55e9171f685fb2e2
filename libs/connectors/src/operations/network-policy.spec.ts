import { createServer as createHttpServer, Server } from 'node:http';
import { createServer as createTcpServer, Server as TcpServer } from 'node:net';
import { ConnectorCheckError } from './context';
import { httpCall } from './http-client';
import { nonPublicRange, resolvePublicAddress } from './network-policy';
import { sshUploadPackAdvertisement } from './ssh-probe';
import { testContext } from './testing';

describe('address ranges platform-run operations may not reach', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['10.1.2.3', 'private (RFC 1918)'],
    ['172.31.255.255', 'private (RFC 1918)'],
    ['192.168.0.10', 'private (RFC 1918)'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', '"this network"'],
    ['::', 'unspecified or IPv4-compatible'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:10.0.0.1', 'private (RFC 1918)'],
    ['fd12:3456::1', 'unique local (ULA)'],
    ['fe80::1', 'link-local'],
    ['224.0.0.251', 'multicast'],
  ])('%s is %s', (address, range) => {
    expect(nonPublicRange(address)).toBe(range);
  });

  it.each(['8.8.8.8', '140.82.112.3', '172.32.0.1', '2606:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(nonPublicRange(address)).toBeUndefined();
  });
});

describe('httpCall and the SSH probe with publicAddressesOnly (REAL servers on loopback)', () => {
  let http: Server;
  let httpPort: number;
  let requests = 0;
  let ssh: TcpServer;
  let sshPort: number;
  let sshConnections = 0;

  beforeAll(async () => {
    http = createHttpServer((_req, res) => {
      requests++;
      res.end('ok');
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()));
    httpPort = (http.address() as { port: number }).port;
    ssh = createTcpServer((socket) => {
      sshConnections++;
      socket.destroy();
    });
    await new Promise<void>((r) => ssh.listen(0, '127.0.0.1', () => r()));
    sshPort = (ssh.address() as { port: number }).port;
  });
  afterAll(() => {
    http.close();
    ssh.close();
  });
  beforeEach(() => {
    requests = 0;
    sshConnections = 0;
  });

  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConnectorCheckError);
    return error as ConnectorCheckError;
  };
  const guarded = () => ({ ...testContext({}).ctx, publicAddressesOnly: true });

  it.each([
    [`http://127.0.0.1:PORT/`, '127.0.0.1, a loopback address'],
    [`http://[::1]:PORT/`, '::1, a loopback address'],
    [`http://169.254.169.254/latest/meta-data/`, '169.254.169.254, a link-local address'],
    [`http://10.0.0.1/`, '10.0.0.1, a private (RFC 1918) address'],
    [`http://[::ffff:127.0.0.1]:PORT/`, 'a loopback address'],
  ])('refuses %s before connecting', async (url, what) => {
    const error = await refusal(httpCall(guarded(), { url: url.replace('PORT', String(httpPort)) }));
    expect(error).toMatchObject({ code: 'ADDRESS_NOT_ALLOWED', stage: 'connection' });
    expect(error.message).toContain(what);
    expect(requests).toBe(0);
  });

  it('refuses a name that resolves to loopback, checking the answer the connection uses', async () => {
    const error = await refusal(httpCall(guarded(), { url: `http://localhost:${httpPort}/` }));
    expect(error.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(error.message).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(requests).toBe(0);
  });

  it('reaches the same addresses when private networks are allowed (and on a delegate, where nothing is set)', async () => {
    const allowed = { ...testContext({}).ctx, publicAddressesOnly: false };
    expect((await httpCall(allowed, { url: `http://localhost:${httpPort}/` })).status).toBe(200);
    expect((await httpCall(testContext({}).ctx, { url: `http://127.0.0.1:${httpPort}/` })).status).toBe(200);
    expect(requests).toBe(2);
  });

  it('resolves and checks an SSH host before ssh2 connects', async () => {
    const key = { privateKey: 'unused: refused before authentication' };
    const error = await refusal(sshUploadPackAdvertisement(guarded(), { host: 'localhost', port: sshPort, username: 'git' }, key, [], 'repo.git'));
    expect(error.code).toBe('ADDRESS_NOT_ALLOWED');
    expect(sshConnections).toBe(0);
    await expect(resolvePublicAddress('127.0.0.1')).rejects.toMatchObject({ code: 'ADDRESS_NOT_ALLOWED' });
  });
});
