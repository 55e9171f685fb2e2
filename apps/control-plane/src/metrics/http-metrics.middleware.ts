import { Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service';

/** Times every request, labelled by route template (never the raw URL, which would explode cardinality). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const end = this.metrics.httpDuration.startTimer({ method: request.method });
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      end({ route: `${request.baseUrl}${route}`, status: String(response.statusCode) });
    });
    next();
  }
}
