/**
 * AWS Signature Version 4 for the requests connectors send (IAM user guide, "Create a signed AWS API
 * request"): canonical request → string to sign → derived signing key → signature. Non-S3 rules: the
 * path is normalised and each segment URI-encoded once; the payload hash is of the exact body sent.
 * Checked against the published SigV4 test-suite vectors (aws-sigv4.spec.ts).
 */
import { createHash, createHmac } from 'node:crypto';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SigV4Request {
  method: string;
  /** Absolute URL; its path and query are signed as they will be sent. */
  url: string;
  /** Headers to send besides the ones signing adds; all of them are signed. */
  headers?: Record<string, string>;
  body?: string;
}

export interface SignedRequest {
  /** Every header to send, including Host, X-Amz-Date, X-Amz-Security-Token and Authorization. */
  headers: Record<string, string>;
  canonicalRequest: string;
  stringToSign: string;
  authorization: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';

const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986: everything except A-Z a-z 0-9 - _ . ~ becomes %XX with upper-case hex. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, '%20'));
  } catch {
    return value;
  }
}

function canonicalPath(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(uriEncode(decode(segment)));
  }
  const trailing = path.endsWith('/') && segments.length > 0 ? '/' : '';
  return `/${segments.join('/')}${trailing}`;
}

function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const at = pair.indexOf('=');
      const [key, value] = at < 0 ? [pair, ''] : [pair.slice(0, at), pair.slice(at + 1)];
      return [uriEncode(decode(key)), uriEncode(decode(value))] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak === bk ? (av < bv ? -1 : av > bv ? 1 : 0) : ak < bk ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"). */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
}

/** `20150830T123600Z`, the X-Amz-Date form of an instant. */
export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** Signs a request for `service` in `region` at `now`, returning the headers to send. */
export function signSigV4(request: SigV4Request, credentials: AwsCredentials, region: string, service: string, now: Date = new Date()): SignedRequest {
  const url = new URL(request.url);
  const stamp = amzDate(now);
  const date = stamp.slice(0, 8);
  const headers: Record<string, string> = { ...(request.headers ?? {}), host: url.host, 'x-amz-date': stamp };
  if (credentials.sessionToken) headers['x-amz-security-token'] = credentials.sessionToken;

  const canonicalHeaders = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    canonicalHeaders.set(name.toLowerCase(), value.trim().replace(/\s+/g, ' '));
  }
  const names = [...canonicalHeaders.keys()].sort();
  const signedHeaders = names.join(';');
  const canonicalRequest = [
    request.method.toUpperCase(),
    canonicalPath(url.pathname),
    canonicalQuery(url.search.replace(/^\?/, '')),
    names.map((name) => `${name}:${canonicalHeaders.get(name) ?? ''}\n`).join(''),
    signedHeaders,
    sha256Hex(request.body ?? ''),
  ].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = [ALGORITHM, stamp, scope, sha256Hex(canonicalRequest)].join('\n');
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, date, region, service)).update(stringToSign, 'utf8').digest('hex');
  const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { headers: { ...headers, authorization }, canonicalRequest, stringToSign, authorization };
}
