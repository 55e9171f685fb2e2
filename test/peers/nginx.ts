// What every nginx peer shares: a config whose paths all stay in the peer's own directory (pid, temp
// files), run in the foreground on a free port until it answers.
import { mkdirSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import * as path from 'node:path';
import { PeerProcess, requireBinary, waitUntil, withFreePort } from './support';

/** A whole nginx.conf around `http` directives (server blocks, types) that the peer adds. */
function nginxConfig(dir: string, http: string): string {
  const user = process.getuid?.() === 0 ? `user ${userInfo().username};\n` : '';
  return `${user}daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
${http}
}
`;
}

/** Starts nginx with the `http` directives for a free port, once `ready(port)` says it answers. */
export async function runNginx(dir: string, http: (port: number) => string, ready: (port: number) => Promise<boolean>): Promise<{ port: number; process: PeerProcess }> {
  const nginx = requireBinary('nginx', 'nginx-light');
  mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  let child: PeerProcess | undefined;
  const port = await withFreePort(async (candidate) => {
    const configFile = path.join(dir, 'nginx.conf');
    writeFileSync(configFile, nginxConfig(dir, http(candidate)));
    // -p: prefix for relative paths; -e: the error log before the config is read.
    const started = PeerProcess.spawn('nginx', nginx, ['-p', dir, '-e', 'stderr', '-c', configFile]);
    try {
      await waitUntil(() => ready(candidate), `nginx on 127.0.0.1:${candidate}`, { process: started });
    } catch (error) {
      await started.stop();
      throw error;
    }
    child = started;
    return candidate;
  });
  return { port, process: child as PeerProcess };
}
