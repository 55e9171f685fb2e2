/**
 * AWS Signature Version 4, as "Create a signed AWS API request" (AWS IAM user guide) describes it:
 * canonical request → string to sign → derived key (kDate, kRegion, kService, kSigning) → signature.
 * Used by the AWS stand-in to VERIFY requests; `signSigV4` exists only so the stand-in's own tests can
 * produce signed requests (the product has its own signer and must not import test/peers).
 * Non-S3 rules: the path is normalised (`.`/`..`/empty segments removed) and each segment URI-encoded
 * once more as it appears on the wire.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A request as it goes on the wire: path and query exactly as sent, headers possibly repeated. */
export interface WireRequest {
  method: string;
  /** As sent (percent-encoded or not), without the query. */
  path: string;
  /** Raw query string without '?'. */
  query: string;
  /** Header pairs in order; names in any case. */
  headers: Array<[string, string]>;
  body: Buffer | string;
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 encoding: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex). */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function canonicalUri(path: string): string {
  const segments: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const trailing = path.endsWith('/') && segments.length > 0 ? '/' : '';
  return `/${segments.map(uriEncode).join('/')}${trailing}`;
}

export function canonicalQuery(query: string): string {
  if (!query) return '';
  return query
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const key = eq < 0 ? pair : pair.slice(0, eq);
      const value = eq < 0 ? '' : pair.slice(eq + 1);
      return [uriEncode(safeDecode(key)), uriEncode(safeDecode(value))] as const;
    })
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** Canonical headers for the signed names: values trimmed, inner whitespace runs collapsed, repeats joined with ','. */
function canonicalHeaders(headers: Array<[string, string]>, signed: string[]): string {
  return signed
    .map((name) => {
      const values = headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v.trim().replace(/\s+/g, ' '));
      return `${name}:${values.join(',')}\n`;
    })
    .join('');
}

export function canonicalRequest(request: WireRequest, signedHeaders: string[]): string {
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    canonicalHeaders(request.headers, signedHeaders),
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  return hmac(kService, 'aws4_request');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Splits `https://host[:port]/path?query` without normalising the path (the vectors contain raw spaces). */
function splitUrl(url: string): { host: string; path: string; query: string } {
  const match = /^[a-z]+:\/\/([^/?#]+)([^?#]*)(?:\?([^#]*))?/i.exec(url);
  if (!match) throw new Error(`not an absolute URL: ${url}`);
  return { host: match[1], path: match[2] || '/', query: match[3] ?? '' };
}

/**
 * FOR TESTS OF THE STAND-IN ONLY. Signs a request: adds Host (unless given), X-Amz-Date and
 * X-Amz-Security-Token, signs every header present, and returns the headers to send.
 */
export function signSigV4(
  request: {
    method: string;
    url: string;
    headers?: Array<[string, string]> | Record<string, string>;
    body?: Buffer | string;
  },
  credentials: AwsCredentials,
  region: string,
  service: string,
  date: Date,
): {
  headers: Record<string, string>;
  authorization: string;
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
} {
  const { host, path, query } = splitUrl(request.url);
  const stamp = amzDate(date);
  const given: Array<[string, string]> = Array.isArray(request.headers)
    ? [...request.headers]
    : Object.entries(request.headers ?? {});
  const has = (name: string) => given.some(([n]) => n.toLowerCase() === name);
  if (!has('host')) given.push(['Host', host]);
  if (!has('x-amz-date')) given.push(['X-Amz-Date', stamp]);
  if (credentials.sessionToken && !has('x-amz-security-token'))
    given.push(['X-Amz-Security-Token', credentials.sessionToken]);
  const signed = [...new Set(given.map(([n]) => n.toLowerCase()))].sort();
  const wire: WireRequest = { method: request.method, path, query, headers: given, body: request.body ?? '' };
  const canonical = canonicalRequest(wire, signed);
  const scope = `${stamp.slice(0, 8)}/${region}/${service}/aws4_request`;
  const toSign = stringToSign(stamp, scope, canonical);
  const signature = createHmac('sha256', signingKey(credentials.secretAccessKey, stamp.slice(0, 8), region, service))
    .update(toSign, 'utf8')
    .digest('hex');
  const authorization = `${ALGORITHM} Credential=${credentials.accessKeyId}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
  const headers: Record<string, string> = {};
  for (const [name, value] of given) {
    if (name.toLowerCase() === 'host') continue; // the HTTP client sets Host itself
    headers[name] = headers[name] ? `${headers[name]},${value}` : value;
  }
  headers['Authorization'] = authorization;
  return { headers, authorization, canonicalRequest: canonical, stringToSign: toSign, signature };
}

export type VerifyFailure =
  | { code: 'MissingAuthenticationToken' | 'IncompleteSignature'; message: string }
  | { code: 'InvalidClientTokenId'; message: string }
  | { code: 'SignatureDoesNotMatch'; message: string }
  | { code: 'ExpiredToken'; message: string }
  | { code: 'SignatureExpired'; message: string };

export interface VerifiedCaller {
  accessKeyId: string;
  region: string;
  service: string;
}

/**
 * Verifies the Authorization header of a request. `lookup` returns the secret for an access key id
 * (and the session token it was issued with, if any), or why the key is not valid.
 */
export function verifySigV4(
  request: WireRequest,
  lookup: (accessKeyId: string) => { secretAccessKey: string; sessionToken?: string; expired?: boolean } | undefined,
  options: { now: Date; region: string; services: string[] },
): { ok: true; caller: VerifiedCaller } | { ok: false; failure: VerifyFailure } {
  const header = (name: string) => request.headers.find(([n]) => n.toLowerCase() === name)?.[1];
  const authorization = header('authorization');
  if (!authorization) {
    return {
      ok: false,
      failure: { code: 'MissingAuthenticationToken', message: 'Request is missing Authentication Token' },
    };
  }
  const match = /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
    authorization.trim(),
  );
  if (!match) {
    return {
      ok: false,
      failure: {
        code: 'IncompleteSignature',
        message: `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.`,
      },
    };
  }
  const [accessKeyId, date, region, service, terminator] = match[1].split('/');
  const signedHeaders = match[2].split(';');
  const known = lookup(accessKeyId);
  if (!known) {
    return {
      ok: false,
      failure: { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' },
    };
  }
  if (known.sessionToken !== undefined && header('x-amz-security-token') !== known.sessionToken) {
    return {
      ok: false,
      failure: { code: 'InvalidClientTokenId', message: 'The security token included in the request is invalid.' },
    };
  }
  if (known.expired) {
    return {
      ok: false,
      failure: { code: 'ExpiredToken', message: 'The security token included in the request is expired' },
    };
  }
  if (terminator !== 'aws4_request' || !options.services.includes(service)) {
    return {
      ok: false,
      failure: {
        code: 'SignatureDoesNotMatch',
        message: `Credential should be scoped to correct service: '${options.services[0]}'. `,
      },
    };
  }
  if (region !== options.region) {
    return {
      ok: false,
      failure: { code: 'SignatureDoesNotMatch', message: `Credential should be scoped to a valid region. ` },
    };
  }
  const stamp = header('x-amz-date') ?? '';
  const signedAt = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  if (!signedAt || stamp.slice(0, 8) !== date || !signedHeaders.includes('host')) {
    return {
      ok: false,
      failure: { code: 'SignatureDoesNotMatch', message: signatureMismatchMessage },
    };
  }
  const signedTime = Date.UTC(+signedAt[1], +signedAt[2] - 1, +signedAt[3], +signedAt[4], +signedAt[5], +signedAt[6]);
  // AWS accepts requests signed up to 15 minutes before or after its own clock.
  if (Math.abs(options.now.getTime() - signedTime) > 15 * 60 * 1000) {
    const fmt = (ms: number) => amzDate(new Date(ms));
    const now = options.now.getTime();
    return {
      ok: false,
      failure: {
        code: 'SignatureExpired',
        message:
          signedTime < now
            ? `Signature expired: ${stamp} is now earlier than ${fmt(now - 15 * 60 * 1000)} (${fmt(now)} - 15 min.)`
            : `Signature not yet current: ${stamp} is still later than ${fmt(now + 15 * 60 * 1000)} (${fmt(now)} + 15 min.)`,
      },
    };
  }
  const canonical = canonicalRequest(request, signedHeaders);
  const expected = createHmac('sha256', signingKey(known.secretAccessKey, date, region, service))
    .update(stringToSign(stamp, match[1].split('/').slice(1).join('/'), canonical), 'utf8')
    .digest();
  if (!timingSafeEqual(expected, Buffer.from(match[3], 'hex'))) {
    return { ok: false, failure: { code: 'SignatureDoesNotMatch', message: signatureMismatchMessage } };
  }
  return { ok: true, caller: { accessKeyId, region, service } };
}

export const signatureMismatchMessage =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';
