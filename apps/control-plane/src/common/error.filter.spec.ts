import { Logger, LoggerService } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { QueueUnavailableError } from '../queue/queue-backend';
import { ApiError } from './api-error';
import { ErrorFilter } from './error.filter';

/** What reached the log: level, message and the fields logged with it. */
interface LogLine {
  level: 'log' | 'error' | 'warn';
  message: string;
  fields: Record<string, unknown>;
}

/** Nest's logger contract, recording instead of printing; the filter logs `(fields, message)` as with pino. */
class RecordingLogger implements LoggerService {
  readonly lines: LogLine[] = [];
  log(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'log', message, fields });
  }
  error(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'error', message, fields });
  }
  warn(fields: Record<string, unknown>, message: string): void {
    this.lines.push({ level: 'warn', message, fields });
  }
}

/** The parts of an express response the filter writes. */
class RecordedResponse {
  statusCode = 200;
  headersSent = false;
  readonly headers: Record<string, string> = {};
  body: unknown;
  status(code: number): this {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string): this {
    this.headers[name.toLowerCase()] = value;
    return this;
  }
  json(body: unknown): this {
    this.body = body;
    this.headersSent = true;
    return this;
  }
}

/** A connection error as node-postgres raises it while PostgreSQL is down. */
function databaseDown(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

describe('ErrorFilter', () => {
  let logger: RecordingLogger;
  let filter: ErrorFilter;
  const answer = (exception: unknown, requestId = 'req-1') => {
    const response = new RecordedResponse();
    filter.catch(exception, new ExecutionContextHost([{ id: requestId, route: { path: '/v1/tasks' } }, response]));
    return response;
  };

  beforeEach(() => {
    jest.useFakeTimers({ now: new Date('2026-11-28T05:00:00Z') });
    logger = new RecordingLogger();
    Logger.overrideLogger(logger);
    filter = new ErrorFilter();
  });
  afterEach(() => {
    jest.useRealTimers();
    Logger.overrideLogger(false);
  });

  it('logs a dependency outage as one warning per cause and second, without a stack, counting the requests in between', () => {
    for (let i = 0; i < 5; i++) {
      const response = answer(databaseDown(), `req-${i}`);
      expect(response.statusCode).toBe(503);
      expect(response.body).toMatchObject({ code: 'UNAVAILABLE', requestId: `req-${i}` });
    }
    expect(logger.lines).toEqual([
      { level: 'warn', message: 'dependency unavailable; answered 503', fields: { cause: { message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' }, requestId: 'req-0', route: '/v1/tasks' } },
    ]);
    expect(JSON.stringify(logger.lines)).not.toContain('    at ');

    jest.advanceTimersByTime(999);
    answer(databaseDown(), 'req-5');
    expect(logger.lines).toHaveLength(1);
    jest.advanceTimersByTime(1);
    answer(databaseDown(), 'req-6');
    expect(logger.lines[1]).toEqual({
      level: 'warn',
      message: 'dependency unavailable; answered 503 (and 5 more like it since the last line)',
      fields: { cause: { message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' }, requestId: 'req-6', route: '/v1/tasks', suppressed: 5 },
    });
  });

  it('logs each distinct outage cause in the same second', () => {
    answer(databaseDown());
    answer(new QueueUnavailableError('the task queue is unavailable (Redis is not connected)'));
    answer(databaseDown());
    answer(new QueueUnavailableError('the task queue is unavailable (Redis is not connected)'));
    expect(logger.lines.map((line) => [line.level, line.fields['cause']])).toEqual([
      ['warn', { message: 'connect ECONNREFUSED 127.0.0.1:5432', code: 'ECONNREFUSED' }],
      ['warn', { message: 'the task queue is unavailable (Redis is not connected)' }],
    ]);
  });

  it('logs every unexpected error at error level with the error itself, stack included, and tells the client only the request id', () => {
    const bugs = [new TypeError("Cannot read properties of undefined (reading 'id')"), new TypeError("Cannot read properties of undefined (reading 'id')")];
    for (const bug of bugs) {
      const response = answer(bug);
      expect(response.statusCode).toBe(500);
      expect(response.body).toEqual({ code: 'INTERNAL', message: 'internal error; quote the requestId when reporting it', details: null, requestId: 'req-1' });
    }
    expect(logger.lines).toEqual(bugs.map((err) => ({ level: 'error', message: 'request failed', fields: { err, requestId: 'req-1', route: '/v1/tasks' } })));
    expect((logger.lines[0]?.fields['err'] as Error).stack).toContain('    at ');
  });

  it('sends Retry-After with an error that carries one, and logs nothing for it', () => {
    const response = answer(ApiError.tooManyRequests('backlog full', { backlog: 3, limit: 3 }, 7));
    expect(response.statusCode).toBe(429);
    expect(response.headers['retry-after']).toBe('7');
    expect(response.body).toEqual({ code: 'TOO_MANY_REQUESTS', message: 'backlog full', details: { backlog: 3, limit: 3 }, requestId: 'req-1' });
    expect(answer(ApiError.notFound('task not found')).headers).toEqual({});
    expect(logger.lines).toEqual([]);
  });
});
