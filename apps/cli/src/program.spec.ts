import { execFileSync } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { buildProgram, Io } from './program';

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), fetch, env: {}, readStdin: async () => Buffer.alloc(0), stdinIsTTY: true };
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

describe('conduit against an API that refuses', () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      response.writeHead(400, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({
          code: 'VALIDATION_FAILED',
          message: `spec.url: must be an http(s) URL (${request.method} ${request.url})`,
          details: [{ path: 'spec.url', message: 'spec.url: must be an http(s) URL' }, { path: 'spec.port', message: 'must be a number' }],
          requestId: 'req-42',
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => server.close());
  afterEach(() => (process.exitCode = undefined));

  it('prints the message, each field at fault and the request id, sends the scope, and exits 1', async () => {
    const io = capture();
    await buildProgram({ ...io, env: { CONDUIT_API_KEY: 'k', XDG_CONFIG_HOME: '/nonexistent' } }).parseAsync(['node', 'conduit', '--url', url, '--org', 'eng', 'describe', 'connector', 'x']);
    expect(io.errors).toEqual([
      'error: spec.url: must be an http(s) URL (GET /v1/connectors/x?org=eng)\n  spec.url: must be an http(s) URL\n  spec.port: must be a number\n  (VALIDATION_FAILED, HTTP 400, request id req-42)',
    ]);
    expect(process.exitCode).toBe(1);
  });

  it('is a usage error (2) to call without an API key or with --project but no --org', async () => {
    const io = capture();
    await buildProgram({ ...io, env: { XDG_CONFIG_HOME: '/nonexistent' } }).parseAsync(['node', 'conduit', '--url', url, 'get', 'secrets']);
    expect(io.errors[0]).toContain('no API key: run conduit login');
    expect(process.exitCode).toBe(2);
    await buildProgram({ ...io, env: { CONDUIT_API_KEY: 'k', XDG_CONFIG_HOME: '/nonexistent' } }).parseAsync(['node', 'conduit', '--url', url, '--project', 'p', 'get', 'secrets']);
    expect(io.errors[1]).toBe('--project needs --org (a project lives in an organization)');
    expect(process.exitCode).toBe(2);
  });
});

describe('conduit --help and completion', () => {
  afterEach(() => (process.exitCode = undefined));

  it('documents the exit codes, and shows the global options in every subcommand’s help', async () => {
    const io = capture();
    await expect(buildProgram(io).parseAsync(['node', 'conduit', '--help'])).rejects.toMatchObject({ exitCode: 0 });
    expect(io.lines.join('\n')).toContain('3  the control plane could not be reached');
    const sub = capture();
    await expect(buildProgram(sub).parseAsync(['node', 'conduit', 'secret', 'create', '--help'])).rejects.toMatchObject({ exitCode: 0 });
    expect(sub.lines.join('\n')).toMatch(/Global Options:[\s\S]*--context <name>/);
    expect(sub.lines.join('\n')).toContain('sealed on this machine');
  });

  it('generates a bash completion script that completes subcommands, choices and options from the command tree', async () => {
    const io = capture();
    await buildProgram(io).parseAsync(['node', 'conduit', 'completion', 'bash']);
    const script = io.lines.join('\n');
    const complete = (line: string[]) => {
      const words = line.map((w) => `'${w}'`).join(' ');
      return execFileSync('bash', ['-c', `${script}\nCOMP_WORDS=(${words}); COMP_CWORD=${line.length - 1}; _conduit_complete; echo "\${COMPREPLY[@]}"`], { encoding: 'utf8' }).trim().split(' ');
    };
    expect(complete(['conduit', 'co'])).toEqual(['context', 'connector', 'completion']);
    expect(complete(['conduit', '--org', 'eng', 'connector', ''])).toEqual(['test', '--url', '--api-key', '--context', '--org', '--project', '--help']);
    expect(complete(['conduit', 'get', 'p'])).toEqual(['pipelines']);
    expect(complete(['conduit', 'secret', 'create', 'x', '--from'])).toEqual(['--from-file', '--from-literal']);
  });

  it('generates a zsh script naming the same command paths', async () => {
    const io = capture();
    await buildProgram(io).parseAsync(['node', 'conduit', 'completion', 'zsh']);
    const script = io.lines.join('\n');
    expect(script.split('\n')[0]).toBe('#compdef conduit');
    expect(script).toContain('"conduit delegate token") candidates=(create list revoke');
  });
});
