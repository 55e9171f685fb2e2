import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateGroupKeyPair, openSecret, sealForGroups } from '@conduit/crypto';
import { DelegateConfigError } from './config-error';
import { resolveGroupKey } from './group-key';

describe('resolveGroupKey', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'conduit-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a missing key file (0600, in a new 0700 directory) and loads the same key on the next start', () => {
    const file = path.join(dir, 'home', 'delegate-edge.key');
    const created = resolveGroupKey({ file });
    expect(created?.source).toBe('generated');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readFileSync(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    const loaded = resolveGroupKey({ file });
    expect(loaded).toMatchObject({ source: 'file', publicKey: created?.publicKey, keyId: created?.keyId });
    expect(loaded?.warning).toBeUndefined();
    // The loaded private key opens what is sealed to the public key sent in hello.
    const ctx = { secretId: 'secret:acme/-/-/x', version: 1 };
    const sealed = sealForGroups(Buffer.from('value'), ctx, [
      { groupId: 'edge', publicKey: loaded?.publicKey as string },
    ]);
    expect(
      openSecret(sealed, ctx, { kind: 'group', groupId: 'edge', privateKey: loaded?.privateKey as never }).toString(),
    ).toBe('value');
  });

  it('warns about a key file other users can read', () => {
    const file = path.join(dir, 'k.pem');
    writeFileSync(file, generateGroupKeyPair().privateKey);
    chmodSync(file, 0o644);
    expect(resolveGroupKey({ file })?.warning).toMatch(
      /^DELEGATE_KEY_FILE .*k\.pem is readable by other users \(mode 644\)/,
    );
  });

  it('refuses a key file that does not hold an X25519 key, naming the variable', () => {
    const file = path.join(dir, 'k.pem');
    writeFileSync(file, 'not a key\n');
    expect(() => resolveGroupKey({ file })).toThrow(DelegateConfigError);
    expect(() => resolveGroupKey({ file })).toThrow(/^DELEGATE_KEY_FILE: .*k\.pem does not hold a usable key/);
  });

  it('takes the key from DELEGATE_PRIVATE_KEY, with real or escaped newlines', () => {
    const pair = generateGroupKeyPair();
    expect(resolveGroupKey({ pem: pair.privateKey })).toMatchObject({
      source: 'environment',
      publicKey: pair.publicKey,
    });
    expect(resolveGroupKey({ pem: pair.privateKey.replace(/\n/g, '\\n') })?.publicKey).toBe(pair.publicKey);
    expect(() => resolveGroupKey({ pem: 'garbage' })).toThrow(/^DELEGATE_PRIVATE_KEY: does not hold a usable key/);
  });

  it('has no key when neither is set', () => {
    expect(resolveGroupKey({})).toBeUndefined();
  });
});
