import { createServer, Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { DelegateAgent } from './agent';

/** /healthz (200 while connected or draining, 503 otherwise) and /metrics, for probes and scrapers. */
export function startHealthServer(
  agent: Pick<DelegateAgent, 'state' | 'delegateId'>,
  registry: Registry,
  port: number,
  host = '127.0.0.1',
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.url === '/healthz') {
      const ok = agent.state === 'connected' || agent.state === 'draining';
      response.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ status: agent.state, delegateId: agent.delegateId ?? null }));
      return;
    }
    if (request.url === '/metrics') {
      void registry.metrics().then((body) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(body);
      });
      return;
    }
    response.writeHead(404).end();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
