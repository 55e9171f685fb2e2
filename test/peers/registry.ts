// A real Docker Registry v2 (distribution 2.8, Debian's docker-registry) with htpasswd auth,
// seeded through its own API with a small image `team/app` tagged `1.0` and `latest`.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, PeerProcess, requireBinary, run, waitUntil, withFreePort } from './support';

export const DOCKER_MANIFEST_V2 = 'application/vnd.docker.distribution.manifest.v2+json';

export interface RegistryPeer {
  /** `http://127.0.0.1:port` */
  url: string;
  /** `127.0.0.1:port`, as image references spell it. */
  host: string;
  username: string;
  password: string;
  realm: string;
  repository: 'team/app';
  tags: ['1.0', 'latest'];
  /** `sha256:…` of the image manifest both tags point to (the Docker-Content-Digest). */
  manifestDigest: string;
  manifestMediaType: typeof DOCKER_MANIFEST_V2;
  configDigest: string;
  layerDigest: string;
  stop(): Promise<void>;
}

const sha256 = (data: Buffer) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

async function pushBlob(base: string, auth: string, repository: string, blob: Buffer): Promise<string> {
  const digest = sha256(blob);
  const start = await fetch(`${base}/v2/${repository}/blobs/uploads/`, {
    method: 'POST',
    headers: { authorization: auth },
  });
  if (start.status !== 202) throw new Error(`registry blob upload start: ${start.status} ${await start.text()}`);
  const location = new URL(start.headers.get('location') as string, base);
  location.searchParams.set('digest', digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'application/octet-stream' },
    body: blob,
  });
  if (put.status !== 201) throw new Error(`registry blob upload: ${put.status} ${await put.text()}`);
  return digest;
}

/** A one-layer image: a gzip'd tar with one file, its config, and a Docker v2 schema 2 manifest. */
async function seedImage(base: string, auth: string, dir: string) {
  const layerDir = path.join(dir, 'layer');
  mkdirSync(layerDir, { recursive: true });
  writeFileSync(path.join(layerDir, 'hello.txt'), 'hello from the conduit test registry\n');
  await run(requireBinary('tar', 'tar'), ['-C', layerDir, '-cf', path.join(dir, 'layer.tar'), 'hello.txt']);
  const tar = readFileSync(path.join(dir, 'layer.tar'));
  await run(requireBinary('gzip', 'gzip'), ['-n', '-k', path.join(dir, 'layer.tar')]);
  const layer = readFileSync(path.join(dir, 'layer.tar.gz'));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Cmd: ['cat', '/hello.txt'] },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'conduit test peer' }],
    }),
  );
  const repository = 'team/app';
  const layerDigest = await pushBlob(base, auth, repository, layer);
  const configDigest = await pushBlob(base, auth, repository, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST_V2,
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest: configDigest,
      },
      layers: [
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', size: layer.length, digest: layerDigest },
      ],
    }),
  );
  let manifestDigest = '';
  for (const tag of ['1.0', 'latest']) {
    const put = await fetch(`${base}/v2/${repository}/manifests/${tag}`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': DOCKER_MANIFEST_V2 },
      body: manifest,
    });
    if (put.status !== 201) throw new Error(`registry manifest ${tag}: ${put.status} ${await put.text()}`);
    manifestDigest = put.headers.get('docker-content-digest') ?? '';
  }
  if (manifestDigest !== sha256(manifest)) throw new Error(`registry returned digest ${manifestDigest}`);
  return { manifestDigest, configDigest, layerDigest };
}

export async function startRegistry(options: { username?: string; password?: string } = {}): Promise<RegistryPeer> {
  const registry = requireBinary('docker-registry', 'docker-registry');
  const htpasswd = requireBinary('htpasswd', 'apache2-utils');
  const temp = makeTempDir('registry');
  const username = options.username ?? 'registry-user';
  const password = options.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const realm = 'Conduit Registry';
  let child: PeerProcess | undefined;
  try {
    const dir = temp.dir;
    const hash = await run(htpasswd, ['-Bbn', username, password]);
    writeFileSync(path.join(dir, 'htpasswd'), hash.stdout);

    const port = await withFreePort(async (candidate) => {
      const configFile = path.join(dir, 'config.yml');
      writeFileSync(
        configFile,
        [
          'version: 0.1',
          'log:',
          '  level: warn',
          '  accesslog:',
          '    disabled: true',
          'storage:',
          '  filesystem:',
          `    rootdirectory: ${path.join(dir, 'data')}`,
          '  delete:',
          '    enabled: true',
          'http:',
          `  addr: 127.0.0.1:${candidate}`,
          `  secret: ${randomBytes(16).toString('hex')}`,
          'auth:',
          '  htpasswd:',
          `    realm: ${realm}`,
          `    path: ${path.join(dir, 'htpasswd')}`,
          '',
        ].join('\n'),
      );
      const started = PeerProcess.spawn('docker-registry', registry, ['serve', configFile]);
      try {
        await waitUntil(
          async () => (await fetch(`http://127.0.0.1:${candidate}/v2/`)).status === 401,
          `docker-registry on 127.0.0.1:${candidate}`,
          { process: started },
        );
      } catch (error) {
        await started.stop();
        throw error;
      }
      child = started;
      return candidate;
    });

    const url = `http://127.0.0.1:${port}`;
    const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const image = await seedImage(url, auth, dir);
    const running = child as PeerProcess;
    return {
      url,
      host: `127.0.0.1:${port}`,
      username,
      password,
      realm,
      repository: 'team/app',
      tags: ['1.0', 'latest'],
      ...image,
      manifestMediaType: DOCKER_MANIFEST_V2,
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
