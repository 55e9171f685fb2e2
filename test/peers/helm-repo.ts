// A real nginx serving a Helm chart repository (a folder with index.yaml and packaged charts) behind
// Basic auth (auth_basic with an htpasswd file). The charts are real `.tgz` packages made with tar, and
// index.yaml lists them as `helm repo index` does: apiVersion v1, entries by chart name, digests.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { request } from 'node:https';
import { runNginx } from './nginx';
import { createCertificateAuthority, issueCertificate } from './pki';
import { makeTempDir, PeerProcess, requireBinary, run } from './support';

export interface HelmRepoPeer {
  /** `http://127.0.0.1:port/charts` (`https://` with `tls`): the folder holding index.yaml. */
  url: string;
  username: string;
  password: string;
  /** Chart name → versions, as index.yaml lists them. */
  charts: Record<string, string[]>;
  /** With `tls`: the private CA that signed the server certificate (PEM). */
  caCert?: string;
  stop(): Promise<void>;
}

const CHARTS: Array<{ name: string; version: string; appVersion: string }> = [
  { name: 'conduit-api', version: '1.2.0', appVersion: '2.4.1' },
  { name: 'conduit-api', version: '1.1.3', appVersion: '2.3.0' },
  { name: 'redis-cache', version: '0.9.1', appVersion: '7.2.4' },
];

function serverBlock(dir: string, port: number, tls: boolean): string {
  return `  types { application/x-yaml yaml; application/gzip tgz; }
  server {
    listen 127.0.0.1:${port}${tls ? ` ssl;\n    ssl_certificate ${dir}/server.crt;\n    ssl_certificate_key ${dir}/server.key` : ''};
    root ${dir}/www;
    location /charts/ {
      auth_basic "Helm charts";
      auth_basic_user_file ${dir}/htpasswd;
    }
  }`;
}

/** True once nginx asks for credentials at `url` (over HTTPS: trusting `ca`). */
async function challenged(url: string, ca: string | undefined): Promise<boolean> {
  if (!ca) return (await fetch(url)).status === 401;
  return new Promise((resolve) => {
    const req = request(url, { ca, timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 401);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

/** Packages one chart as `helm package` lays it out: `<name>/Chart.yaml` inside `<name>-<version>.tgz`. */
async function packageChart(dir: string, chart: (typeof CHARTS)[number]): Promise<string> {
  const source = path.join(dir, 'src', `${chart.name}-${chart.version}`);
  mkdirSync(path.join(source, chart.name, 'templates'), { recursive: true });
  writeFileSync(path.join(source, chart.name, 'Chart.yaml'), `apiVersion: v2\nname: ${chart.name}\nversion: ${chart.version}\nappVersion: "${chart.appVersion}"\ntype: application\n`);
  writeFileSync(path.join(source, chart.name, 'values.yaml'), 'replicaCount: 1\n');
  const file = path.join(dir, 'www', 'charts', `${chart.name}-${chart.version}.tgz`);
  await run('tar', ['-czf', file, '-C', source, chart.name]);
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** `tls`: serve HTTPS with a certificate from a private CA (given back as `caCert`), which nobody trusts by default. */
export async function startHelmRepo(options: { tls?: boolean } = {}): Promise<HelmRepoPeer> {
  const htpasswd = requireBinary('htpasswd', 'apache2-utils');
  const temp = makeTempDir('helm-repo');
  const username = 'helm-reader';
  const password = `pw-${randomBytes(10).toString('hex')}`;
  let child: PeerProcess | undefined;
  try {
    const dir = temp.dir;
    mkdirSync(path.join(dir, 'www', 'charts'), { recursive: true });
    // apr1 (MD5) is what nginx's auth_basic verifies on every platform.
    writeFileSync(path.join(dir, 'htpasswd'), (await run(htpasswd, ['-nbm', username, password])).stdout);
    const generated = new Date().toISOString();
    const entries = new Map<string, string[]>();
    for (const chart of CHARTS) {
      const digest = await packageChart(dir, chart);
      const entry = [
        `  - apiVersion: v2`,
        `    appVersion: "${chart.appVersion}"`,
        `    created: "${generated}"`,
        `    digest: ${digest}`,
        `    name: ${chart.name}`,
        `    type: application`,
        `    urls:`,
        `    - ${chart.name}-${chart.version}.tgz`,
        `    version: ${chart.version}`,
      ].join('\n');
      entries.set(chart.name, [...(entries.get(chart.name) ?? []), entry]);
    }
    const index = `apiVersion: v1\nentries:\n${[...entries].map(([name, list]) => `  ${name}:\n${list.join('\n')}`).join('\n')}\ngenerated: "${generated}"\n`;
    writeFileSync(path.join(dir, 'www', 'charts', 'index.yaml'), index);

    const ca = options.tls ? await createCertificateAuthority(dir, 'helm-ca') : undefined;
    if (ca) await issueCertificate(dir, ca, 'server', { kind: 'server', commonName: 'localhost' });
    const scheme = ca ? 'https' : 'http';
    const { port, process: started } = await runNginx(dir, (candidate) => serverBlock(dir, candidate, ca !== undefined), (candidate) => challenged(`${scheme}://127.0.0.1:${candidate}/charts/index.yaml`, ca?.cert));
    child = started;
    const running = child as PeerProcess;
    const charts: Record<string, string[]> = {};
    for (const chart of CHARTS) charts[chart.name] = [...(charts[chart.name] ?? []), chart.version];
    return {
      url: `${scheme}://127.0.0.1:${port}/charts`,
      ...(ca ? { caCert: ca.cert } : {}),
      username,
      password,
      charts,
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
