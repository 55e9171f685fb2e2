import { createServer, Server } from 'node:http';
import { buildProgram, Io } from './program';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), fetch };
}

describe('conduit status', () => {
  let server: Server;
  let url: string;
  let ready = true;

  beforeAll(async () => {
    server = createServer((_, response) => {
      response.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify(
          ready
            ? { status: 'ok', info: { database: { status: 'up' }, queue: { status: 'up' } } }
            : { status: 'error', info: { database: { status: 'up' } }, error: { queue: { status: 'down' } } },
        ),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());
  afterEach(() => (process.exitCode = undefined));

  it('reports each readiness check and exits 0 when ready', async () => {
    const io = capture();
    await buildProgram(io).parseAsync(['node', 'conduit', '--url', url, 'status']);
    expect(io.lines).toEqual([`${url}: ready`, '  database: up', '  queue: up']);
    expect(process.exitCode).toBe(0);
  });

  it('exits 1 naming the failing check when not ready', async () => {
    ready = false;
    const io = capture();
    await buildProgram(io).parseAsync(['node', 'conduit', '--url', url, 'status']);
    expect(io.lines).toContain('  queue: down');
    expect(process.exitCode).toBe(1);
    ready = true;
  });

  it('exits 3 when the control plane cannot be reached', async () => {
    const io = capture();
    await buildProgram(io).parseAsync(['node', 'conduit', '--url', 'http://127.0.0.1:1', 'status']);
    expect(io.errors[0]).toContain('cannot reach the control plane at http://127.0.0.1:1');
    expect(process.exitCode).toBe(3);
  });

  it('rejects a URL that is not http(s) as a usage error', async () => {
    const io = capture();
    await expect(buildProgram(io).parseAsync(['node', 'conduit', '--url', 'ftp://x', 'status'])).rejects.toMatchObject({
      code: 'commander.invalidArgument',
    });
    expect(io.errors.join('\n')).toContain('expected an http:// or https:// URL');
  });
});
