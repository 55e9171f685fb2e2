// Certificates made with the openssl CLI (Node can verify certificates but not issue them):
// a CA, server certificates for 127.0.0.1/localhost, client certificates, all EC P-256 for speed.
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { requireBinary, run } from './support';

export interface CertificateAuthority {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface IssuedCertificate {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

const openssl = () => requireBinary('openssl', 'openssl');
const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** Subject in openssl's `/CN=…/O=…` form. */
function subject(fields: { CN: string; O?: string[] }): string {
  return `/CN=${fields.CN}${(fields.O ?? []).map((o) => `/O=${o}`).join('')}`;
}

export async function createCertificateAuthority(dir: string, name: string): Promise<CertificateAuthority> {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  await run(openssl(), [
    'req',
    '-x509',
    ...EC_KEY,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    subject({ CN: name }),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}

/**
 * Issues a certificate signed by `ca`. `kind: 'server'` adds SANs for 127.0.0.1 and localhost;
 * `kind: 'client'` sets clientAuth. `organizations` become O= entries (Kubernetes reads them as groups).
 */
export async function issueCertificate(
  dir: string,
  ca: CertificateAuthority,
  name: string,
  options: { kind: 'server' | 'client'; commonName: string; organizations?: string[] },
): Promise<IssuedCertificate> {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  const certFile = path.join(dir, `${name}.crt`);
  const extFile = path.join(dir, `${name}.ext`);
  writeFileSync(
    extFile,
    options.kind === 'server'
      ? 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n'
      : 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n',
  );
  await run(openssl(), [
    'req',
    '-new',
    ...EC_KEY,
    '-keyout',
    keyFile,
    '-out',
    csrFile,
    '-subj',
    subject({ CN: options.commonName, O: options.organizations }),
  ]);
  await run(openssl(), [
    'x509',
    '-req',
    '-in',
    csrFile,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    certFile,
    '-days',
    '2',
    '-extfile',
    extFile,
  ]);
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
}
