import { generateGroupKeyPair } from '@conduit/crypto';
import { DELEGATE_SOCKET_PATH } from '@conduit/protocol';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DelegateConfigError, loadDelegateConfig } from './config';

const base = { CONDUIT_URL: 'https://conduit.example.com', CONDUIT_DELEGATE_TOKEN: 'cdt_x' };

describe('loadDelegateConfig', () => {
  it('defaults: loopback health server, 30 s drain grace, no group key', async () => {
    const config = await loadDelegateConfig(base, DELEGATE_SOCKET_PATH);
    expect(config).toMatchObject({
      DELEGATE_HEALTH_HOST: '127.0.0.1',
      DELEGATE_DRAIN_GRACE_MS: 30_000,
      groupKey: undefined,
    });
    expect(config.socketUrl).toBe(`wss://conduit.example.com${DELEGATE_SOCKET_PATH}`);
  });

  it('reads the health host, the drain grace and an inline key, and does not keep the PEM in the config', async () => {
    const pair = generateGroupKeyPair();
    const config = await loadDelegateConfig(
      {
        ...base,
        DELEGATE_HEALTH_HOST: '0.0.0.0',
        DELEGATE_DRAIN_GRACE_MS: '5000',
        DELEGATE_PRIVATE_KEY: pair.privateKey,
      },
      DELEGATE_SOCKET_PATH,
    );
    expect(config).toMatchObject({ DELEGATE_HEALTH_HOST: '0.0.0.0', DELEGATE_DRAIN_GRACE_MS: 5000 });
    expect(config.groupKey?.publicKey).toBe(pair.publicKey);
    expect(JSON.stringify(config)).not.toContain('PRIVATE KEY');
  });

  it('refuses both key settings at once and a bad drain grace, naming the variables', async () => {
    const pair = generateGroupKeyPair();
    const load = () =>
      loadDelegateConfig(
        { ...base, DELEGATE_KEY_FILE: '/tmp/k', DELEGATE_PRIVATE_KEY: pair.privateKey, DELEGATE_DRAIN_GRACE_MS: '-1' },
        DELEGATE_SOCKET_PATH,
      );
    await expect(load()).rejects.toThrow(DelegateConfigError);
    await expect(load()).rejects.toThrow(/DELEGATE_DRAIN_GRACE_MS: /);
    await expect(load()).rejects.toThrow(/DELEGATE_PRIVATE_KEY: set DELEGATE_KEY_FILE or DELEGATE_PRIVATE_KEY, not both/);
  });

  it('reads DELEGATE_CONFIG_FILE (YAML numbers and lists in their natural form), the environment winning', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'delegate-config-'));
    try {
      const file = path.join(dir, 'delegate.yaml');
      await writeFile(file, 'DELEGATE_NAME: from-file\nDELEGATE_CAPACITY: 7\nDELEGATE_TAGS: [linux, k8s]\n');
      const config = await loadDelegateConfig({ ...base, DELEGATE_CONFIG_FILE: file, DELEGATE_NAME: 'from-env' }, DELEGATE_SOCKET_PATH);
      expect(config).toMatchObject({ DELEGATE_NAME: 'from-env', DELEGATE_CAPACITY: 7, DELEGATE_TAGS: ['linux', 'k8s'] });
      await writeFile(file, '- not\n- a mapping\n');
      await expect(loadDelegateConfig({ ...base, DELEGATE_CONFIG_FILE: file }, DELEGATE_SOCKET_PATH)).rejects.toThrow(/DELEGATE_CONFIG_FILE: .* must hold a mapping/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
