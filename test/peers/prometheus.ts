// A real Prometheus scraping itself every second, ready once the query `up` returns a sample.
// With `basicAuth: true` its web config requires Basic auth (bcrypt hash from htpasswd).
// The first scrape comes ~5 s after start (Prometheus 2.42 hands discovered targets to the scraper on
// a fixed 5 s tick, with no flag to shorten it); `waitFor: 'ready'` returns at /-/ready instead (~0.3 s),
// for tests that need the API and authentication but no samples.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, PeerProcess, requireBinary, run, waitUntil, withFreePort } from './support';

export interface PrometheusPeer {
  /** `http://127.0.0.1:port` */
  url: string;
  port: number;
  /** Present when started with `basicAuth: true`. */
  basicAuth?: { username: string; password: string };
  stop(): Promise<void>;
}

interface QueryResponse {
  status: string;
  data?: { result?: unknown[] };
}

export interface PrometheusPeerOptions {
  basicAuth?: boolean;
  /** 'up' (default): until the query `up` returns a sample; 'ready': until /-/ready answers 200. */
  waitFor?: 'up' | 'ready';
}

export async function startPrometheus(options: PrometheusPeerOptions = {}): Promise<PrometheusPeer> {
  const prometheus = requireBinary('prometheus', 'prometheus');
  const temp = makeTempDir('prometheus');
  let child: PeerProcess | undefined;
  try {
    const dir = temp.dir;
    let basicAuth: PrometheusPeer['basicAuth'];
    const webArgs: string[] = [];
    if (options.basicAuth) {
      basicAuth = { username: 'prom-user', password: `pw-${randomBytes(8).toString('hex')}` };
      const line = await run(requireBinary('htpasswd', 'apache2-utils'), [
        '-Bbn',
        basicAuth.username,
        basicAuth.password,
      ]);
      const hash = line.stdout.trim().split(':').slice(1).join(':');
      writeFileSync(path.join(dir, 'web.yml'), `basic_auth_users:\n  ${basicAuth.username}: '${hash}'\n`);
      webArgs.push(`--web.config.file=${path.join(dir, 'web.yml')}`);
    }
    const authHeader: Record<string, string> = basicAuth
      ? { authorization: `Basic ${Buffer.from(`${basicAuth.username}:${basicAuth.password}`).toString('base64')}` }
      : {};

    const port = await withFreePort(async (candidate) => {
      writeFileSync(
        path.join(dir, 'prometheus.yml'),
        [
          'global:',
          '  scrape_interval: 1s',
          '  evaluation_interval: 1s',
          'scrape_configs:',
          '  - job_name: prometheus',
          ...(basicAuth
            ? ['    basic_auth:', `      username: ${basicAuth.username}`, `      password: ${basicAuth.password}`]
            : []),
          '    static_configs:',
          `      - targets: ['127.0.0.1:${candidate}']`,
          '',
        ].join('\n'),
      );
      const started = PeerProcess.spawn('prometheus', prometheus, [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${candidate}`,
        '--log.level=warn',
        ...webArgs,
      ]);
      try {
        await waitUntil(
          async () => {
            if (options.waitFor === 'ready') {
              return (await fetch(`http://127.0.0.1:${candidate}/-/ready`, { headers: authHeader })).status === 200;
            }
            const response = await fetch(`http://127.0.0.1:${candidate}/api/v1/query?query=up`, {
              headers: authHeader,
            });
            const body = (await response.json()) as QueryResponse;
            return body.status === 'success' && (body.data?.result?.length ?? 0) > 0;
          },
          `prometheus on 127.0.0.1:${candidate} to ${options.waitFor === 'ready' ? 'be ready' : "return a sample for 'up'"}`,
          { process: started, intervalMs: 100 },
        );
      } catch (error) {
        await started.stop();
        throw error;
      }
      child = started;
      return candidate;
    });
    const running = child as PeerProcess;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      ...(basicAuth ? { basicAuth } : {}),
      stop: async () => {
        await running.stop();
        temp.remove();
      },
    };
  } catch (error) {
    await child?.stop();
    temp.remove();
    throw error;
  }
}
