import { decodeSecretPayload, encodeSecretPayload, maskableValues, secretSealingContext } from './secret-payload';

describe('secret payloads', () => {
  it('round-trips each kind', () => {
    for (const payload of [
      { kind: 'text', value: 's3cr3t-value' },
      { kind: 'file', base64: Buffer.from('kubeconfig: yes').toString('base64'), fileName: 'kubeconfig' },
      { kind: 'ssh-key', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----', passphrase: 'pass phrase' },
      { kind: 'certificate', certificate: 'CERT', privateKey: 'KEY', ca: 'CA' },
    ] as const) {
      expect(decodeSecretPayload(encodeSecretPayload(payload))).toEqual(payload);
    }
  });

  it('refuses malformed payloads without echoing them', () => {
    expect(() => decodeSecretPayload(Buffer.from('canary-not-json'))).toThrow('secret payload is not JSON');
    let message = '';
    try {
      decodeSecretPayload(Buffer.from(JSON.stringify({ kind: 'text', value: 'canary-123', extra: 'canary-456' })));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('secret payload is not valid');
    expect(message).not.toContain('canary');
  });

  it('lists the values a delegate must mask, decoded file contents included', () => {
    expect(maskableValues({ kind: 'file', base64: Buffer.from('token=abc123').toString('base64') })).toContain('token=abc123');
    expect(maskableValues({ kind: 'ssh-key', privateKey: 'KEY', passphrase: 'PP' })).toEqual(['KEY', 'PP']);
  });

  it('binds envelopes to an address known before the secret exists', () => {
    expect(secretSealingContext({ account: 'acme', org: 'eng', project: null, identifier: 'db_pw' }, 2)).toEqual({ secretId: 'secret:acme/eng/-/db_pw', version: 2 });
  });
});
