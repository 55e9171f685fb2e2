import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pinoHttp } from 'pino-http';
import { accessLogOptions } from './access-log';

describe('access log', () => {
  it('logs a 5xx as a warning with its status and no stand-in error or stack, other answers as information', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    const log = pinoHttp(accessLogOptions('info'), sink);
    const server = createServer((request: IncomingMessage & { id?: unknown }, response: ServerResponse) => {
      request.id = 'req-1';
      log(request, response);
      response.statusCode = Number(request.url?.slice(1));
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    for (const status of [503, 500, 404, 200]) await fetch(`http://127.0.0.1:${port}/${status}`, { headers: { authorization: 'Bearer cdk_secret' } });
    await new Promise<void>((resolve) => server.close(() => resolve()));

    expect(lines.map((l) => [(l['res'] as { statusCode: number }).statusCode, l['level']])).toEqual([
      [503, 40],
      [500, 40],
      [404, 30],
      [200, 30],
    ]);
    for (const line of lines) expect(line).not.toHaveProperty('err');
    expect(JSON.stringify(lines)).not.toContain('cdk_secret');
    expect(lines[0]).toMatchObject({ req: { id: 'req-1' } });
  });
});
