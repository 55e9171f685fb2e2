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
