import { Controller, Get, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';
import { ApiError } from '../common/api-error';
import { QueueBackend } from '../queue/queue-backend';

/** Liveness says the process answers; readiness says it can do work (database and queue reachable). */
@ApiTags('health')
@Public()
@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly queue: QueueBackend,
  ) {}

  @Get('healthz')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HealthCheck()
  async readiness() {
    try {
      return await this.checks();
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      // Terminus answers with its result object and no message; say which check failed and why.
      const result = error.getResponse() as { error?: Record<string, { message?: string }> };
      const failing = Object.entries(result.error ?? {}).map(([check, state]) => `${check} down${state.message ? ` (${state.message})` : ''}`);
      throw new ApiError(HttpStatus.SERVICE_UNAVAILABLE, 'UNAVAILABLE', `not ready: ${failing.join('; ') || 'a check failed'}`, result);
    }
  }

  private checks() {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 3000 }),
      async () => {
        const indicator = this.indicators.check('queue');
        try {
          await withTimeout(this.queue.ping(), 3000);
          return indicator.up({ backend: this.queue.kind });
        } catch (error) {
          return indicator.down({ backend: this.queue.kind, message: (error as Error).message });
        }
      },
    ]);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
