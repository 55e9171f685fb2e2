import { HttpException, HttpStatus } from '@nestjs/common';

/** The body of every error the API returns. */
export interface ErrorBody {
  code: string;
  message: string;
  details: unknown;
  requestId: string;
}

/** An error meant for the client: a stable code, a message that names what is wrong, optional details. */
export class ApiError extends HttpException {
  constructor(
    status: HttpStatus,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
    /** Sent as the Retry-After header (whole seconds) when the client may try again later. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message, status);
  }

  static badRequest(message: string, details?: unknown) {
    return new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', message, details);
  }
  static unauthenticated(message = 'missing or invalid API key: send it as "Authorization: Bearer <key>"') {
    return new ApiError(HttpStatus.UNAUTHORIZED, 'UNAUTHENTICATED', message);
  }
  static forbidden(message: string) {
    return new ApiError(HttpStatus.FORBIDDEN, 'FORBIDDEN', message);
  }
  static notFound(message: string) {
    return new ApiError(HttpStatus.NOT_FOUND, 'NOT_FOUND', message);
  }
  static conflict(code: string, message: string, details?: unknown) {
    return new ApiError(HttpStatus.CONFLICT, code, message, details);
  }
  static tooManyRequests(message: string, details: unknown, retryAfterSeconds: number) {
    return new ApiError(HttpStatus.TOO_MANY_REQUESTS, 'TOO_MANY_REQUESTS', message, details, retryAfterSeconds);
  }
}
