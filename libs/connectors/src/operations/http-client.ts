import { rootCertificates } from 'node:tls';
import { Agent, errors as undiciErrors, request } from 'undici';
import { connectorCa, ConnectorCheckError, OperationContext } from './context';
import { assertPublicLiteral, publicOnlyLookup } from './network-policy';

export interface HttpCall {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Extra trust and client identity for TLS (PEM); a `ca` here replaces the connector's `caCertRef`. */
  tls?: { ca?: string; cert?: string; key?: string; passphrase?: string };
  /** Whether the call may be repeated on transient failures (reads: yes; sends: only if idempotent). */
  retry?: boolean;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  latencyMs: number;
}

const TRANSIENT_STATUS = new Set([429, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);
const MAX_ATTEMPTS = 3;
const MAX_BODY = 1024 * 1024;

/** Where a URL points, without its credentials or query (which may carry secrets). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(invalid URL)';
  }
}

function errorCode(error: unknown): string {
  const e = error as { code?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code ?? '';
}

/**
 * One HTTP exchange with the checks every connector needs: TLS verified (with an optional CA), bounded
 * time and body, transient failures (connection reset, 429 with Retry-After, 502/503/504, timeouts)
 * retried with backoff, and failures classified into the lifecycle stage a person should look at.
 */
export async function httpCall(ctx: OperationContext, call: HttpCall): Promise<HttpAnswer> {
  const where = describeUrl(call.url);
  // An IP literal never goes through lookup: check it here; names are checked on the answer they connect to.
  if (ctx.publicAddressesOnly && URL.canParse(call.url)) assertPublicLiteral(new URL(call.url).hostname);
  const ownCa = call.tls?.ca ? undefined : connectorCa(ctx);
  const dispatcher = new Agent({
    connect: {
      ...(call.tls?.ca ? { ca: call.tls.ca } : {}),
      // Besides the public roots: the same operation may also reach a public endpoint (an OAuth token URL).
      ...(ownCa ? { ca: [...rootCertificates, ownCa] } : {}),
      ...(call.tls?.cert ? { cert: call.tls.cert, key: call.tls.key, passphrase: call.tls.passphrase } : {}),
      ...(ctx.publicAddressesOnly ? { lookup: publicOnlyLookup } : {}),
    },
    headersTimeout: 15_000,
    bodyTimeout: 15_000,
    connectTimeout: 10_000,
  });
  try {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        const response = await request(call.url, {
          method: (call.method ?? 'GET') as 'GET',
          headers: call.headers ?? {},
          ...(call.body !== undefined ? { body: call.body } : {}),
          dispatcher,
          signal: ctx.signal,
        });
        const text = await readBounded(response.body);
        const answer = { status: response.statusCode, headers: response.headers, text, latencyMs: Math.round(performance.now() - started) };
        if (call.retry !== false && TRANSIENT_STATUS.has(answer.status) && attempt < MAX_ATTEMPTS) {
          await pause(ctx, retryAfterMs(answer.headers['retry-after'], attempt));
          ctx.log(`${where} answered ${answer.status}; retrying (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`);
          continue;
        }
        return answer;
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        const code = errorCode(error);
        if (call.retry !== false && TRANSIENT_CODES.has(code) && attempt < MAX_ATTEMPTS) {
          await pause(ctx, retryAfterMs(undefined, attempt));
          ctx.log(`${where}: ${code}; retrying (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`);
          continue;
        }
        throw classify(error, where);
      }
    }
  } finally {
    await dispatcher.close();
  }
}

async function readBounded(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_BODY) break;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function retryAfterMs(header: string | string[] | undefined, attempt: number): number {
  const value = Array.isArray(header) ? header[0] : header;
  const seconds = value !== undefined ? Number(value) : NaN;
  const jitter = Math.random() * 250 * 2 ** attempt;
  return Number.isFinite(seconds) ? Math.min(seconds * 1000, 10_000) : Math.min(jitter, 5_000);
}

function pause(ctx: OperationContext, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    ctx.signal.addEventListener('abort', () => (clearTimeout(timer), reject(ctx.signal.reason)), { once: true });
  });
}

function classify(error: unknown, where: string): ConnectorCheckError {
  // A refused address (from the lookup) arrives as the error itself or as the cause of undici's.
  const refusal = [error, (error as { cause?: unknown }).cause].find((e) => e instanceof ConnectorCheckError);
  if (refusal) return refusal as ConnectorCheckError;
  const code = errorCode(error);
  if (code === 'ECONNREFUSED') return new ConnectorCheckError('CONNECTION_REFUSED', 'connection', `connection refused by ${where}`, 'is the service running, and is this delegate allowed to reach it?');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new ConnectorCheckError('HOST_NOT_FOUND', 'connection', `host of ${where} not found (DNS)`, 'check the URL, or the DNS this delegate uses');
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) return untrustedCertificate(where, code);
  if (error instanceof undiciErrors.UndiciError || TRANSIENT_CODES.has(code)) {
    return new ConnectorCheckError('CONNECTION_FAILED', 'connection', `could not talk to ${where} (${code || (error as Error).message})`);
  }
  return new ConnectorCheckError('CONNECTION_FAILED', 'connection', `could not talk to ${where} (${(error as Error).message})`);
}

/** The server's certificate chains to no CA this operation trusts (the public roots, or the connector's caCertRef). */
export function untrustedCertificate(where: string, reason: string): ConnectorCheckError {
  return new ConnectorCheckError('TLS_VERIFICATION_FAILED', 'connection', `TLS certificate of ${where} not trusted (${reason})`, "put the server's CA certificate in a secret and refer to it as the connector's caCertRef, rather than turning verification off");
}

/** A 401 or 403 as a message naming where and what (the body's first line may say why). */
export function authenticationError(answer: HttpAnswer, url: string, what: string): ConnectorCheckError {
  return new ConnectorCheckError(
    answer.status === 401 ? 'AUTHENTICATION_FAILED' : 'FORBIDDEN',
    'authentication',
    `authentication failed: ${what} rejected by ${describeUrl(url)} (${answer.status})`,
    answer.status === 401 ? 'check the credentials the connector refers to' : 'the credentials are valid but lack a permission',
  );
}

/** An answer's body as JSON, or undefined when it is not JSON (an HTML error page, say). */
export function parseJson<T>(answer: HttpAnswer): T | undefined {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    return undefined;
  }
}

export const withoutSlash = (url: string) => url.replace(/\/+$/, '');
