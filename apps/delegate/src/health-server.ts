import { createServer, Server } from 'node:http';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { DelegateAgent } from './agent';

/** /healthz (200 while connected, 503 otherwise) and /metrics on a local port, for probes and scrapers. */
export function startHealthServer(agent: DelegateAgent, port: number): Promise<Server> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'conduit_delegate_' });
  new Gauge({
    name: 'conduit_delegate_connected',
    help: '1 while connected to the control plane',
    registers: [registry],
    collect() {
      this.set(agent.state === 'connected' ? 1 : 0);
    },
  });
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
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}
