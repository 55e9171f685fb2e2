import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const SANE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives every request an id before anything else runs (so even a body-parser rejection carries one),
 * reusing the caller's X-Request-Id when it is sane, and echoes it in the response.
 */
export function assignRequestId(request: IncomingMessage & { id?: unknown }, response: ServerResponse, next: () => void): void {
  const given = request.headers['x-request-id'];
  request.id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
  response.setHeader('X-Request-Id', request.id as string);
  next();
}
