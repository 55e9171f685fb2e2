/**
 * The console's WebCrypto sealer against the Node implementation the delegate opens with: if the format
 * comment in ../envelope.ts, the browser code and openSecret drift apart, this fails.
 */
import { generateGroupKeyPair, openSecret } from '../index';
import { fromBase64Url, publicKeyId, sealForGroupsInBrowser, secretSealingContext, toBase64Url } from './seal';

const utf8 = (text: string) => new TextEncoder().encode(text);

describe('sealForGroupsInBrowser (WebCrypto only)', () => {
  const eng = generateGroupKeyPair();
  const ops = generateGroupKeyPair();
  const ctx = secretSealingContext({ account: 'default', org: 'eng', project: null, identifier: 'gh_token' }, 7);

  it('produces envelopes that openSecret opens, for every group it names', async () => {
    const sealed = await sealForGroupsInBrowser(utf8('from the browser é'), ctx, [
      { groupId: 'eng', publicKey: eng.publicKey, keyId: eng.keyId },
      { groupId: 'ops', publicKey: ops.publicKey },
    ]);
    for (const [groupId, pair] of [
      ['eng', eng],
      ['ops', ops],
    ] as const) {
      expect(openSecret(sealed, ctx, { kind: 'group', groupId, privateKey: pair.privateKey }).toString()).toBe(
        'from the browser é',
      );
    }
    expect(sealed.recipients.map((r) => r.keyId)).toEqual([eng.keyId, ops.keyId]);
    expect(ctx.secretId).toBe('secret:default/eng/-/gh_token');
  });

  it('is bound to the record: another version or secret id does not open', async () => {
    const sealed = await sealForGroupsInBrowser(utf8('bound'), ctx, [{ groupId: 'eng', publicKey: eng.publicKey }]);
    const key = { kind: 'group' as const, groupId: 'eng', privateKey: eng.privateKey };
    expect(() => openSecret(sealed, { ...ctx, version: 8 }, key)).toThrow(/could not be decrypted/);
    expect(() => openSecret(sealed, { ...ctx, secretId: 'secret:default/-/-/gh_token' }, key)).toThrow(
      /could not be decrypted/,
    );
  });

  it('refuses a group whose key does not match its recorded key id, and an empty group list', async () => {
    await expect(
      sealForGroupsInBrowser(utf8('x'), ctx, [{ groupId: 'eng', publicKey: eng.publicKey, keyId: ops.keyId }]),
    ).rejects.toThrow("the public key of delegate group 'eng' does not match its key id");
    await expect(sealForGroupsInBrowser(utf8('x'), ctx, [])).rejects.toThrow('no delegate group has a public key');
  });

  it('computes the same key id as the Node side and round-trips base64url', async () => {
    expect(await publicKeyId(eng.publicKey)).toBe(eng.keyId);
    const bytes = new Uint8Array([0, 251, 255, 62, 63, 1]);
    expect(toBase64Url(bytes)).toBe(Buffer.from(bytes).toString('base64url'));
    expect(Array.from(fromBase64Url(toBase64Url(bytes)))).toEqual(Array.from(bytes));
    expect(() => fromBase64Url('a+b/')).toThrow('not unpadded base64url');
  });
});
