const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Unpadded base64url, the only binary encoding in the sealed format. */
export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

/**
 * Strict base64url decode: Node's decoder silently skips foreign characters and accepts
 * non-canonical trailing bits, so we check the alphabet and that re-encoding gives the same text.
 * Returns null when the text is not canonical unpadded base64url.
 */
export function fromBase64Url(text: string): Buffer | null {
  if (!BASE64URL.test(text)) return null;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}
