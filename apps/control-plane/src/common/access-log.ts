import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';

/**
 * The access log (one line per request, pino-http). The error filter logs what went wrong — a 500 with its
 * error and stack, an outage's 503 once per second per cause — so an access line carries the status and time
 * only: pino-http's own stand-in error ("failed with status code 503", with a stack) would repeat it on every
 * request of an outage. 5xx lines are warnings; the rest informational.
 */
export function accessLogOptions(level: string): Options {
  return {
    level,
    // assignRequestId has run first; reuse its id so logs and error bodies agree.
    genReqId: (request: IncomingMessage & { id?: unknown }) => String(request.id),
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    autoLogging: { ignore: (request) => ['/healthz', '/readyz', '/metrics'].includes(request.url ?? '') },
    customLogLevel: (_request: IncomingMessage, response: ServerResponse) => (response.statusCode >= 500 ? 'warn' : 'info'),
    customErrorObject: (_request: IncomingMessage, _response: ServerResponse, _error: Error, line: Record<string, unknown>) => {
      const { err: _omitted, ...withoutError } = line;
      return withoutError;
    },
  };
}
