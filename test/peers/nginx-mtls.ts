// A real nginx that requires client certificates (`ssl_verify_client on`), with its own openssl CA.
// GET /healthz → "ok"; GET /whoami → JSON with the verified client certificate's subject and issuer.
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { request } from 'node:https';
import { createCertificateAuthority, issueCertificate } from './pki';
import { runNginx } from './nginx';
import { makeTempDir, PeerProcess } from './support';

export interface NginxMtlsPeer {
  /** `https://127.0.0.1:port` */
  url: string;
  port: number;
  /** The CA that signed the server certificate and the accepted client certificate. */
  caCert: string;
  clientCert: string;
  clientKey: string;
  /** Subject of the accepted client certificate as nginx prints $ssl_client_s_dn. */
  clientSubject: string;
  /** A client certificate from a different CA: nginx must refuse it. */
  foreignClientCert: string;
  foreignClientKey: string;
  stop(): Promise<void>;
}

function serverBlock(dir: string, port: number): string {
  return `  server {
    listen 127.0.0.1:${port} ssl;
    server_name localhost;
    ssl_certificate ${dir}/server.crt;
    ssl_certificate_key ${dir}/server.key;
    ssl_client_certificate ${dir}/ca.crt;
    ssl_verify_client on;
    ssl_verify_depth 2;
    location = /healthz {
      default_type text/plain;
      return 200 "ok\\n";
    }
    location = /whoami {
      default_type application/json;
      return 200 '{"subject":"$ssl_client_s_dn","issuer":"$ssl_client_i_dn","verify":"$ssl_client_verify","serial":"$ssl_client_serial"}\\n';
    }
  }`;
}

/** True once nginx answers TLS on the port (it answers 400 without a client certificate). */
function answers(port: number, ca: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', ca, servername: 'localhost', timeout: 1000 },
      (res) => {
        res.resume();
        resolve(res.statusCode === 400);
      },
    );
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

export async function startNginxMtls(): Promise<NginxMtlsPeer> {
  const temp = makeTempDir('nginx');
  let child: PeerProcess | undefined;
  try {
    const dir = temp.dir;
    mkdirSync(path.join(dir, 'logs'), { recursive: true });
    const ca = await createCertificateAuthority(dir, 'ca');
    await issueCertificate(dir, ca, 'server', { kind: 'server', commonName: 'localhost' });
    const client = await issueCertificate(dir, ca, 'client', {
      kind: 'client',
      commonName: 'conduit-delegate',
      organizations: ['conduit'],
    });
    const foreignCa = await createCertificateAuthority(dir, 'foreign-ca');
    const foreign = await issueCertificate(dir, foreignCa, 'foreign-client', {
      kind: 'client',
      commonName: 'intruder',
    });

    const { port, process: started } = await runNginx(dir, (candidate) => serverBlock(dir, candidate), (candidate) => answers(candidate, ca.cert));
    child = started;
    const running = child as PeerProcess;
    return {
      url: `https://127.0.0.1:${port}`,
      port,
      caCert: ca.cert,
      clientCert: client.cert,
      clientKey: client.key,
      clientSubject: 'O=conduit,CN=conduit-delegate',
      foreignClientCert: foreign.cert,
      foreignClientKey: foreign.key,
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
