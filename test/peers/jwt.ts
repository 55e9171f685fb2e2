// RS256 JSON Web Tokens (RFC 7519 / RFC 7515), enough for the stand-ins that verify or issue them.
import { createSign, createVerify, KeyObject } from 'node:crypto';

export type JwtClaims = Record<string, unknown>;

export function signRs256(
  claims: JwtClaims,
  privateKey: string | KeyObject,
  header: Record<string, unknown> = {},
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', typ: 'JWT', ...header })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(privateKey).toString('base64url');
  return `${input}.${signature}`;
}

export type JwtCheck =
  | { ok: true; header: Record<string, unknown>; claims: JwtClaims }
  | { ok: false; reason: 'malformed' | 'algorithm' | 'signature' };

/** Decodes a compact JWS and checks its RS256 signature against `publicKey`; claims are left to the caller. */
export function verifyRs256(token: string, publicKey: string | KeyObject): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'malformed' };
  let header: Record<string, unknown>;
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (header['alg'] !== 'RS256') return { ok: false, reason: 'algorithm' };
  const valid = createVerify('RSA-SHA256')
    .update(`${parts[0]}.${parts[1]}`)
    .verify(publicKey, Buffer.from(parts[2], 'base64url'));
  return valid ? { ok: true, header, claims } : { ok: false, reason: 'signature' };
}
