// The base of every HTTP stand-in: a route table, a request log with credentials redacted, and a
// server on 127.0.0.1 (HTTP, or HTTPS with optional client certificates) that stops cleanly.
import {
  createServer as createHttpServer,
  IncomingHttpHeaders,
  IncomingMessage,
  Server,
  ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { AddressInfo } from 'node:net';
import { PeerCertificate, TLSSocket } from 'node:tls';
import { REDACTED } from './support';

/** Header names whose values are credentials; recorded as REDACTED (Authorization keeps its scheme). */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'x-vault-token',
  'private-token',
  'dd-api-key',
  'dd-application-key',
  'api-key',
  'x-api-key',
  'x-amz-security-token',
]);

/** Body fields whose values are credentials, in JSON and form bodies alike. */
const CREDENTIAL_FIELDS = new Set([
  'password',
  'secret_id',
  'client_secret',
  'client_assertion',
  'assertion',
  'token',
  'refresh_token',
  'routing_key',
]);

export interface RecordedRequest {
  method: string;
  /** Path without the query string, as received (still percent-encoded). */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names; credential values replaced by REDACTED (`Bearer <redacted>`). */
  headers: Record<string, string>;
  /** Parsed JSON or form body with credential fields redacted; raw text otherwise; undefined when empty. */
  body: unknown;
  /** Who the stand-in took the caller to be, when it authenticated the request. */
  identity?: string;
  status: number;
}

export function redactHeaders(headers: IncomingHttpHeaders, extra: string[] = []): Record<string, string> {
  const secret = new Set([...CREDENTIAL_HEADERS, ...extra.map((name) => name.toLowerCase())]);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (!secret.has(name)) out[name] = text;
    else if (name === 'authorization' || name === 'proxy-authorization') {
      const scheme = /^(\S+)\s/.exec(text)?.[1];
      out[name] = scheme ? `${scheme} ${REDACTED}` : REDACTED;
    } else out[name] = REDACTED;
  }
  return out;
}

function redactFields(value: unknown, fields: Set<string>): unknown {
  if (Array.isArray(value)) return value.map((item) => redactFields(item, fields));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, fields.has(key) ? REDACTED : redactFields(item, fields)]),
    );
  }
  return value;
}

export interface StandInRequest {
  method: string;
  path: string;
  /** Path parameters of the matched route, percent-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The query string as received, without '?'. */
  rawQuery: string;
  headers: IncomingHttpHeaders;
  /** Raw header pairs in arrival order (needed where a signature covers repeated headers). */
  rawHeaders: string[];
  rawBody: Buffer;
  text(): string;
  /** The JSON body, or undefined when it is absent or not JSON. */
  json(): unknown;
  form(): URLSearchParams;
  /** The verified client certificate on an HTTPS stand-in that asks for one. */
  tls?: { authorized: boolean; authorizationError?: string; certificate?: PeerCertificate };
}

export interface Reply {
  status: number;
  /** A string or Buffer is sent as is; anything else as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Recorded in the request log. */
  identity?: string;
}

export type Handler = (request: StandInRequest) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  /** `/v1/{mount}/data/{path+}`: `{x}` matches one segment, `{x+}` the rest (also inside a segment: `{v}:access`). */
  path: string;
  handle: Handler;
}

export interface StandInOptions {
  name: string;
  routes: Route[];
  /** Reply when no route matches (the vendor's own 404). */
  notFound?: (request: StandInRequest) => Reply;
  tls?: { key: string; cert: string; ca?: string; requestCert?: boolean };
  credentialHeaders?: string[];
  credentialFields?: string[];
}

export interface StandIn {
  url: string;
  port: number;
  /** Every request that reached the stand-in, oldest first. */
  requests: RecordedRequest[];
  clearRequests(): void;
  stop(): Promise<void>;
}

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  names: string[];
  handle: Handler;
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  const source = route.path
    .split(/(\{[a-zA-Z_]+\+?\})/)
    .map((part) => {
      const param = /^\{([a-zA-Z_]+)(\+?)\}$/.exec(part);
      if (!param) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(param[1]);
      return param[2] ? '(.+?)' : '([^/]+?)';
    })
    .join('');
  return { method: route.method, pattern: new RegExp(`^${source}$`), names, handle: route.handle };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } };
}

export function text(status: number, body: string, contentType = 'text/plain; charset=utf-8'): Reply {
  return { status, body, headers: { 'content-type': contentType } };
}

/** `user:password` from a Basic Authorization header. */
export function basicCredentials(headers: IncomingHttpHeaders): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of `Authorization: <scheme> <token>` for any of the given schemes (case-insensitive). */
export function schemeToken(headers: IncomingHttpHeaders, ...schemes: string[]): string | undefined {
  const match = /^(\S+)\s+(.+)$/.exec(headers.authorization ?? '');
  if (!match || !schemes.some((scheme) => scheme.toLowerCase() === match[1].toLowerCase())) return undefined;
  return match[2].trim();
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** JSON is recognised whatever the Content-Type says (many clients send JSON as text/plain or without a type). */
function parseForRecord(raw: Buffer, contentType: string, fields: Set<string>): unknown {
  if (raw.length === 0) return undefined;
  const body = raw.toString('utf8');
  try {
    return redactFields(JSON.parse(body), fields);
  } catch {
    // not JSON
  }
  if (/x-www-form-urlencoded/i.test(contentType)) {
    return redactFields(Object.fromEntries(new URLSearchParams(body)), fields);
  }
  return body;
}

export async function startStandIn(options: StandInOptions): Promise<StandIn> {
  const routes = options.routes.map(compile);
  const requests: RecordedRequest[] = [];
  const fields = new Set([...CREDENTIAL_FIELDS, ...(options.credentialFields ?? [])]);

  const listener = async (incoming: IncomingMessage, response: ServerResponse) => {
    const rawBody = await readBody(incoming);
    const rawUrl = incoming.url ?? '/';
    const queryAt = rawUrl.indexOf('?');
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt);
    const query = new URLSearchParams(queryAt < 0 ? '' : rawUrl.slice(queryAt + 1));
    const socket = incoming.socket as TLSSocket;
    const request: StandInRequest = {
      method: incoming.method ?? 'GET',
      path,
      params: {},
      query,
      rawQuery: queryAt < 0 ? '' : rawUrl.slice(queryAt + 1),
      headers: incoming.headers,
      rawHeaders: incoming.rawHeaders,
      rawBody,
      text: () => rawBody.toString('utf8'),
      json: () => {
        try {
          return rawBody.length > 0 ? JSON.parse(rawBody.toString('utf8')) : undefined;
        } catch {
          return undefined;
        }
      },
      form: () => new URLSearchParams(rawBody.toString('utf8')),
      tls: options.tls?.requestCert
        ? {
            authorized: socket.authorized,
            authorizationError: socket.authorizationError ? String(socket.authorizationError) : undefined,
            certificate: socket.getPeerCertificate?.() ?? undefined,
          }
        : undefined,
    };

    let reply: Reply;
    try {
      const route = routes.find((candidate) => {
        if (candidate.method !== request.method) return false;
        const match = candidate.pattern.exec(path);
        if (!match) return false;
        request.params = Object.fromEntries(candidate.names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
        return true;
      });
      reply = route
        ? await route.handle(request)
        : (options.notFound?.(request) ??
          json(404, { message: `${options.name} stand-in: no route for ${request.method} ${path}` }));
    } catch (error) {
      reply = json(500, { message: `${options.name} stand-in failed: ${String(error)}` });
    }

    requests.push({
      method: request.method,
      path,
      query: Object.fromEntries(query),
      headers: redactHeaders(incoming.headers, options.credentialHeaders),
      body: parseForRecord(rawBody, incoming.headers['content-type'] ?? '', fields),
      ...(reply.identity !== undefined ? { identity: reply.identity } : {}),
      status: reply.status,
    });

    const payload =
      reply.body === undefined
        ? ''
        : typeof reply.body === 'string' || Buffer.isBuffer(reply.body)
          ? reply.body
          : JSON.stringify(reply.body);
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    if (reply.body !== undefined && typeof reply.body !== 'string' && !Buffer.isBuffer(reply.body)) {
      headers['content-type'] ??= 'application/json; charset=utf-8';
    }
    response.writeHead(reply.status, headers);
    response.end(payload);
  };

  const server: Server = options.tls
    ? createHttpsServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ca: options.tls.ca,
          requestCert: options.tls.requestCert ?? false,
          // Checked per request (as the Kubernetes API server does) so that a bad certificate gets a 401, not a TLS error.
          rejectUnauthorized: false,
        },
        listener,
      )
    : createHttpServer(listener);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  server.unref(); // a forgotten stop() must not keep the test runner alive
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    requests,
    clearRequests: () => void requests.splice(0, requests.length),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
