import type { NextFunction, Request, Response } from 'express';
import { ApiError } from './api-error';

const ACCEPTED = ['application/json', 'application/yaml', 'application/x-yaml', 'text/yaml'];

/** A request body in any other media type is refused up front (415), rather than read as empty. */
export function requireKnownContentType(request: Request, _response: Response, next: NextFunction): void {
  const hasBody = Number(request.headers['content-length'] ?? 0) > 0 || request.headers['transfer-encoding'] !== undefined;
  if (hasBody && !request.is(ACCEPTED)) {
    next(new ApiError(415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type '${request.headers['content-type'] ?? '(none)'}' is not accepted; send ${ACCEPTED.slice(0, 2).join(' or ')}`));
    return;
  }
  next();
}
