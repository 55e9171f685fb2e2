import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

export const CONSOLE_PATH = '/console/';

/**
 * The console may only talk to this origin and run its own bundled script: a script injected through
 * some displayed value could not load code or send an API key elsewhere.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * Serves the built web console (apps/console/dist) under /console/ with express.static, and sends `/` there.
 * Only that prefix is static: every other path, /v1 included, keeps the API's JSON answers (404s too).
 * Returns false when the console has not been built, so start-up can say how to build it.
 */
export function serveConsole(app: NestExpressApplication, dir: string): boolean {
  const built = existsSync(path.join(dir, 'index.html'));
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    if (request.path === '/' || request.path === '/console') return response.redirect(302, CONSOLE_PATH);
    if (request.path.startsWith(CONSOLE_PATH)) {
      response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
      response.setHeader('X-Content-Type-Options', 'nosniff');
      response.setHeader('Referrer-Policy', 'no-referrer');
    }
    return next();
  });
  app.useStaticAssets(dir, {
    prefix: CONSOLE_PATH,
    index: 'index.html',
    fallthrough: true,
    redirect: false,
    setHeaders: (response, file) => {
      // Vite names assets by content hash, so they never change; index.html must be re-read to find new ones.
      response.setHeader(
        'Cache-Control',
        file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
  return built;
}
