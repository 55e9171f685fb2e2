// Git smart HTTP: the real `git http-backend` as a CGI behind a small Node server that does Basic
// auth the way Git hosts do (username + password, or any username + token; Bearer token too).
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { gitEnv, seedBareRepository, SeededRepository } from './git-repo';
import { basicCredentials, RecordedRequest, redactHeaders, schemeToken } from './stand-in';
import { makeTempDir, requireBinary } from './support';

export interface GitHttpPeerOptions {
  username?: string;
  password?: string;
  token?: string;
  realm?: string;
  /** Serve HTTPS with this certificate (PEM) instead of plain HTTP. */
  tls?: { cert: string; key: string };
}

export interface GitHttpPeer {
  /** `http://127.0.0.1:port` (`https://` with `tls`) */
  url: string;
  /** The account (organisation) URL: `http://127.0.0.1:port/team`. */
  accountUrl: string;
  /** The repository URL: `http://127.0.0.1:port/team/demo.git`. */
  repoUrl: string;
  username: string;
  password: string;
  /** Accepted as the password with any username, or as `Authorization: Bearer`. */
  token: string;
  realm: string;
  repo: SeededRepository;
  /** Every request that reached the peer (credentials redacted), including the 401s. */
  requests: RecordedRequest[];
  clearRequests(): void;
  stop(): Promise<void>;
}

/** Splits CGI output into its header block (Status:, Content-Type: …) and the body that follows. */
function splitCgiHeaders(buffer: Buffer): { headers: Array<[string, string]>; body: Buffer } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  if (end < 0) return undefined;
  const headerText = buffer.subarray(0, end).toString('latin1');
  const body = buffer.subarray(end + (end === crlf ? 4 : 2));
  const headers = headerText
    .split(/\r?\n/)
    .filter(Boolean)
    .map((line): [string, string] => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
    });
  return { headers, body };
}

export async function startGitHttp(options: GitHttpPeerOptions = {}): Promise<GitHttpPeer> {
  const git = requireBinary('git', 'git');
  const temp = makeTempDir('git-http');
  const reposRoot = path.join(temp.dir, 'repos');
  const username = options.username ?? 'git-user';
  const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const token = options.token ?? `tok-${randomBytes(12).toString('hex')}`;
  const realm = options.realm ?? 'Conduit Git';
  const requests: RecordedRequest[] = [];
  const backends = new Set<ChildProcess>();

  let repo: SeededRepository;
  try {
    repo = await seedBareRepository(reposRoot, 'team/demo.git');
  } catch (error) {
    temp.remove();
    throw error;
  }

  const authenticate = (request: IncomingMessage): string | undefined => {
    const bearer = schemeToken(request.headers, 'Bearer');
    if (bearer !== undefined) return bearer === token ? 'token' : undefined;
    const basic = basicCredentials(request.headers);
    if (!basic) return undefined;
    if (basic.username === username && basic.password === password) return username;
    if (basic.password === token) return basic.username || 'token';
    return undefined;
  };

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const rawUrl = request.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const urlPath = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const queryString = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1);
    const record = (status: number, identity?: string) =>
      requests.push({
        method: request.method ?? 'GET',
        path: urlPath,
        query: Object.fromEntries(new URLSearchParams(queryString)),
        headers: redactHeaders(request.headers),
        body: undefined,
        ...(identity ? { identity } : {}),
        status,
      });

    const identity = authenticate(request);
    if (!identity) {
      record(401);
      request.resume();
      response.writeHead(401, {
        'WWW-Authenticate': `Basic realm="${realm}"`,
        'Content-Type': 'text/plain; charset=utf-8',
      });
      response.end('Authentication required\n');
      return;
    }

    const cgi = spawn(git, ['http-backend'], {
      env: gitEnv({
        GIT_PROJECT_ROOT: reposRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(urlPath),
        QUERY_STRING: queryString,
        REQUEST_METHOD: request.method ?? 'GET',
        CONTENT_TYPE: request.headers['content-type'] ?? '',
        ...(request.headers['content-length'] ? { CONTENT_LENGTH: request.headers['content-length'] } : {}),
        ...(request.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] } : {}),
        ...(request.headers['git-protocol'] ? { GIT_PROTOCOL: String(request.headers['git-protocol']) } : {}),
        REMOTE_USER: identity,
        REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
      }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    backends.add(cgi);
    cgi.once('exit', () => backends.delete(cgi));
    request.pipe(cgi.stdin);
    cgi.stdin.on('error', () => undefined); // the backend may stop reading early on errors
    let pending: Buffer | undefined = Buffer.alloc(0);
    let stderr = '';
    cgi.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (pending === undefined) {
        response.write(chunk);
        return;
      }
      pending = Buffer.concat([pending, chunk]);
      const parsed = splitCgiHeaders(pending);
      if (!parsed) return;
      pending = undefined;
      const statusHeader = parsed.headers.find(([name]) => name.toLowerCase() === 'status');
      const status = statusHeader ? Number(statusHeader[1].split(' ')[0]) : 200;
      record(status, identity);
      response.writeHead(status, parsed.headers.filter(([name]) => name.toLowerCase() !== 'status').flat());
      response.write(parsed.body);
    });
    cgi.once('close', (code) => {
      if (pending !== undefined) {
        record(500, identity);
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(`git http-backend exited with ${code}: ${stderr}`);
        return;
      }
      response.end();
    });
  };
  const server = options.tls ? createHttpsServer(options.tls, handle) : createServer(handle);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref(); // a forgotten stop() must not keep the test runner alive
  const url = `${options.tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    accountUrl: `${url}/team`,
    repoUrl: `${url}/team/demo.git`,
    username,
    password,
    token,
    realm,
    repo,
    requests,
    clearRequests: () => void requests.splice(0, requests.length),
    stop: async () => {
      for (const backend of backends) backend.kill('SIGKILL');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      temp.remove();
    },
  };
}
