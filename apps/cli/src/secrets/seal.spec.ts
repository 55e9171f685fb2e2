import { decodeSecretPayload, generateGroupKeyPair, openSecret, parseSealedSecret, sealedSecretSchema, secretSealingContext } from '@conduit/crypto';
import { ExitCode } from '../errors';
import { payloadOf, sealForDelegateGroups } from './seal';

describe('sealing a secret on the client', () => {
  const edge = generateGroupKeyPair();
  const dmz = generateGroupKeyPair();
  const groups = [
    { name: 'edge', publicKey: edge.publicKey, keyId: edge.keyId },
    { name: 'dmz', publicKey: dmz.publicKey, keyId: dmz.keyId },
    { name: 'keyless', publicKey: null, keyId: null },
  ];
  const address = { account: 'default', org: 'eng', project: null, identifier: 'db_password' };

  it('produces an envelope the API schema accepts, sealed to each keyed group under the key id the API lists', () => {
    const sealed = sealForDelegateGroups(payloadOf('text', Buffer.from('hunter2-value')), address, 1, groups);
    expect(sealedSecretSchema.safeParse(sealed).success).toBe(true);
    // What the control plane checks before storing a client-sealed version: group entries under current key ids.
    expect(parseSealedSecret(sealed).recipients.map((r) => (r.kind === 'group' ? [r.groupId, r.keyId] : r.kind))).toEqual([
      ['edge', edge.keyId],
      ['dmz', dmz.keyId],
    ]);
    expect(JSON.stringify(sealed)).not.toContain('hunter2-value');
  });

  it('opens on a delegate of any group to the same payload, for this secret and version only', () => {
    const sealed = sealForDelegateGroups(payloadOf('text', Buffer.from('hunter2-value')), address, 2, groups);
    const opened = openSecret(sealed, secretSealingContext(address, 2), { kind: 'group', groupId: 'dmz', privateKey: dmz.privateKey });
    expect(decodeSecretPayload(opened)).toEqual({ kind: 'text', value: 'hunter2-value' });
    expect(() => openSecret(sealed, secretSealingContext(address, 1), { kind: 'group', groupId: 'dmz', privateKey: dmz.privateKey })).toThrow();
    expect(() => openSecret(sealed, secretSealingContext({ ...address, org: null }, 2), { kind: 'group', groupId: 'edge', privateKey: edge.privateKey })).toThrow();
  });

  it('seals files as base64 with their base name', () => {
    const sealed = sealForDelegateGroups(payloadOf('file', Buffer.from([0, 1, 2, 255]), '/tmp/x/keystore.jks'), address, 1, groups);
    const opened = openSecret(sealed, secretSealingContext(address, 1), { kind: 'group', groupId: 'edge', privateKey: edge.privateKey });
    expect(decodeSecretPayload(opened)).toEqual({ kind: 'file', base64: Buffer.from([0, 1, 2, 255]).toString('base64'), fileName: 'keystore.jks' });
  });

  it('refuses, saying why, when no delegate group has a key', () => {
    expect(() => sealForDelegateGroups(payloadOf('text', Buffer.from('v')), address, 1, [{ name: 'default', publicKey: null, keyId: null }])).toThrow(
      expect.objectContaining({ exitCode: ExitCode.Failure, message: expect.stringContaining('no delegate group has registered a public key yet') }),
    );
  });

  it('refuses a group whose key does not match the key id the API reported', () => {
    expect(() => sealForDelegateGroups(payloadOf('text', Buffer.from('v')), address, 1, [{ name: 'edge', publicKey: edge.publicKey, keyId: dmz.keyId }])).toThrow(/does not match its key id/);
  });

  it('refuses an empty value as a usage error', () => {
    expect(() => payloadOf('text', Buffer.alloc(0))).toThrow(expect.objectContaining({ exitCode: ExitCode.Usage }));
  });
});
