import { generateGroupKeyPair } from '@conduit/crypto';
import { DELEGATE_SOCKET_PATH } from '@conduit/protocol';
import { DelegateConfigError, loadDelegateConfig } from './config';

const base = { CONDUIT_URL: 'https://conduit.example.com', CONDUIT_DELEGATE_TOKEN: 'cdt_x' };

describe('loadDelegateConfig', () => {
  it('defaults: loopback health server, 30 s drain grace, no group key', () => {
    const config = loadDelegateConfig(base, DELEGATE_SOCKET_PATH);
    expect(config).toMatchObject({
      DELEGATE_HEALTH_HOST: '127.0.0.1',
      DELEGATE_DRAIN_GRACE_MS: 30_000,
      groupKey: undefined,
    });
    expect(config.socketUrl).toBe(`wss://conduit.example.com${DELEGATE_SOCKET_PATH}`);
  });

  it('reads the health host, the drain grace and an inline key, and does not keep the PEM in the config', () => {
    const pair = generateGroupKeyPair();
    const config = loadDelegateConfig(
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

  it('refuses both key settings at once and a bad drain grace, naming the variables', () => {
    const pair = generateGroupKeyPair();
    const load = () =>
      loadDelegateConfig(
        { ...base, DELEGATE_KEY_FILE: '/tmp/k', DELEGATE_PRIVATE_KEY: pair.privateKey, DELEGATE_DRAIN_GRACE_MS: '-1' },
        DELEGATE_SOCKET_PATH,
      );
    expect(load).toThrow(DelegateConfigError);
    expect(load).toThrow(/DELEGATE_DRAIN_GRACE_MS: /);
    expect(load).toThrow(/DELEGATE_PRIVATE_KEY: set DELEGATE_KEY_FILE or DELEGATE_PRIVATE_KEY, not both/);
  });
});
