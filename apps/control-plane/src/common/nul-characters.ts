import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';

/** Where the first NUL character sits in a parsed body (`body.payload.text`, `body.tags[2]`), if anywhere. */
export function nulCharacterPath(value: unknown, path = 'body'): string | undefined {
  if (typeof value === 'string') return value.includes('\0') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = nulCharacterPath(item, `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\0')) return `${path}.${key.replace(/\0/g, '\\u0000')}`;
      const found = nulCharacterPath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/**
 * PostgreSQL text and jsonb cannot hold a NUL character (U+0000): a body carrying one is refused here with a 400
 * naming the field, instead of failing as a 500 when it is written.
 */
export function refuseNulCharacters(request: Request, _response: Response, next: NextFunction): void {
  const path = nulCharacterPath(request.body as unknown);
  if (!path) return next();
  const message = `${path}: text must not contain the NUL character (\\u0000); send binary data base64-encoded`;
  next(ApiError.badRequest(message, [{ path, message }]));
}

/**
 * JSON for a jsonb column, with each NUL character (which jsonb cannot hold) replaced by U+FFFD: a result whose
 * output carries one (a binary file read as text) is recorded rather than refused on every re-send. Only an
 * escape preceded by an even number of backslashes is a NUL; `\\u0000` is the text "\u0000".
 */
export function storableJson(value: unknown): string {
  return JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd');
}
