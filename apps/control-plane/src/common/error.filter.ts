import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';
import { QueueUnavailableError } from '../queue/queue-backend';
import { ApiError, ErrorBody } from './api-error';
import { zodIssues } from './zod-validation.pipe';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  503: 'UNAVAILABLE',
};

/** Errors thrown by body-parser before a controller runs carry a status and a type. */
interface BodyParserError {
  status: number;
  type: string;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const e = error as Partial<BodyParserError> | null;
  return typeof e?.status === 'number' && typeof e.type === 'string' && e.status >= 400 && e.status < 500;
}

/** Database and queue outages are the server's problem, but a retryable one: 503, not 500. */
function isDependencyOutage(error: unknown): boolean {
  if (error instanceof QueueUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003'].includes(code) ||
      code.startsWith('53'))
  );
}

/** An outage cause is logged at most this often; the requests it failed meanwhile are counted instead. */
const OUTAGE_LOG_INTERVAL_MS = 1000;

/**
 * The one place errors become responses: `{code, message, details, requestId}`, never a stack trace.
 * Unexpected errors are logged with the request id so a 500 can be traced without exposing internals.
 * A dependency outage fails every request the same way, so it is logged as one warning per cause and second.
 */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');
  /** Per outage cause: when it was last logged, and the requests it failed since without a log line. */
  private readonly outages = new Map<string, { loggedAt: number; suppressed: number }>();

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const requestId = String(request.id ?? '');
    const [status, body] = this.toBody(exception, requestId);
    // 503 is only ever a dependency outage: a database or queue error, or readiness reporting one.
    if (status === HttpStatus.SERVICE_UNAVAILABLE) {
      this.logOutage(exception, requestId, request.route?.path);
    } else if (status >= 500) {
      this.logger.error({ err: exception, requestId, route: request.route?.path }, 'request failed');
    }
    if (response.headersSent) return;
    if (exception instanceof ApiError && exception.retryAfterSeconds !== null) response.setHeader('Retry-After', String(exception.retryAfterSeconds));
    response.status(status).json(body);
  }

  /** Message and code only: the stack of a refused connection says nothing the message does not. */
  private logOutage(exception: unknown, requestId: string, route: string | undefined): void {
    const { message, code } = exception as { message?: unknown; code?: unknown };
    const cause = { message: String(message), ...(typeof code === 'string' ? { code } : {}) };
    const key = `${cause.code ?? ''} ${cause.message}`;
    const now = Date.now();
    const seen = this.outages.get(key);
    if (seen && now - seen.loggedAt < OUTAGE_LOG_INTERVAL_MS) {
      seen.suppressed++;
      return;
    }
    // Causes gone quiet with nothing left to report are forgotten, so varied messages cannot grow the map for ever.
    for (const [other, state] of this.outages) if (state.suppressed === 0 && now - state.loggedAt >= OUTAGE_LOG_INTERVAL_MS) this.outages.delete(other);
    this.outages.set(key, { loggedAt: now, suppressed: 0 });
    const suppressed = seen?.suppressed ?? 0;
    this.logger.warn({ cause, requestId, route, ...(suppressed ? { suppressed } : {}) }, `dependency unavailable; answered 503${suppressed ? ` (and ${suppressed} more like it since the last line)` : ''}`);
  }

  private toBody(exception: unknown, requestId: string): [number, ErrorBody] {
    if (exception instanceof ApiError) {
      return [exception.getStatus(), { code: exception.code, message: exception.message, details: exception.details, requestId }];
    }
    if (exception instanceof ZodError) {
      const issues = zodIssues(exception);
      return [400, { code: 'VALIDATION_FAILED', message: issues[0]?.message ?? 'invalid input', details: issues, requestId }];
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const res = exception.getResponse();
      const message = typeof res === 'string' ? res : String((res as { message?: unknown }).message ?? exception.message);
      return [status, { code: CODE_BY_STATUS[status] ?? `HTTP_${status}`, message, details: null, requestId }];
    }
    if (isBodyParserError(exception)) {
      const message =
        exception.type === 'entity.parse.failed'
          ? 'request body is not valid JSON'
          : exception.type === 'entity.too.large'
            ? 'request body is too large'
            : exception.message;
      return [exception.status, { code: CODE_BY_STATUS[exception.status] ?? 'BAD_REQUEST', message, details: null, requestId }];
    }
    if (isDependencyOutage(exception)) {
      return [
        HttpStatus.SERVICE_UNAVAILABLE,
        {
          code: 'UNAVAILABLE',
          message: `${exception instanceof QueueUnavailableError ? exception.message : 'a backing service is unavailable'}; retry shortly`,
          details: null,
          requestId,
        },
      ];
    }
    return [
      HttpStatus.INTERNAL_SERVER_ERROR,
      { code: 'INTERNAL', message: 'internal error; quote the requestId when reporting it', details: null, requestId },
    ];
  }
}
