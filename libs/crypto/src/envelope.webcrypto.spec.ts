/**
 * Follows the format comment at the top of envelope.ts with WebCrypto only (as a browser would),
 * and checks that the result opens with openSecret. If the comment and the code drift apart, this fails.
 */
import { webcrypto } from 'node:crypto';
import { generateGroupKeyPair, openSecret, SealedSecret } from './index';

const subtle = webcrypto.subtle;
const utf8 = (text: string) => new TextEncoder().encode(text);
const b64url = (bytes: Uint8Array | ArrayBuffer) =>
  Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString('base64url');

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function u32(n: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

const lp = (bytes: Uint8Array) => concat(u32(bytes.length), bytes);

async function gcm(rawKey: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const key = await subtle.importKey('raw', rawKey, 'AES-GCM', false, ['encrypt']);
  const iv = webcrypto.getRandomValues(new Uint8Array(12));
  const sealed = new Uint8Array(
    await subtle.encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, key, plaintext),
  );
  return { iv: b64url(iv), body: b64url(sealed.subarray(0, -16)), tag: b64url(sealed.subarray(-16)) };
}

async function browserSeal(
  plaintext: Uint8Array,
  ctx: { secretId: string; version: number },
  group: { groupId: string; publicKey: string },
): Promise<SealedSecret> {
  const context = concat(lp(utf8(ctx.secretId)), u32(ctx.version));
  const contentAad = concat(utf8('conduit/v1/secret'), context);
  const wrapInfo = concat(utf8('conduit/v1/wrap'), context);
  const wrapAad = concat(wrapInfo, lp(utf8('group')), lp(utf8(group.groupId)));

  const dataKey = webcrypto.getRandomValues(new Uint8Array(32));
  const content = await gcm(dataKey, plaintext, contentAad);

  const R = new Uint8Array(Buffer.from(group.publicKey, 'base64url'));
  const recipientKey = await subtle.importKey('raw', R, { name: 'X25519' }, false, []);
  const ephemeral = (await subtle.generateKey({ name: 'X25519' }, true, ['deriveBits'])) as webcrypto.CryptoKeyPair;
  const E = new Uint8Array(await subtle.exportKey('raw', ephemeral.publicKey));
  const Z = await subtle.deriveBits(
    { name: 'X25519', public: recipientKey } as webcrypto.EcdhKeyDeriveParams,
    ephemeral.privateKey,
    256,
  );
  const ikm = await subtle.importKey('raw', Z, 'HKDF', false, ['deriveBits']);
  const kek = new Uint8Array(
    await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: concat(E, R), info: wrapInfo }, ikm, 256),
  );
  const wrapped = await gcm(kek, dataKey, wrapAad);
  const keyId = b64url(new Uint8Array(await subtle.digest('SHA-256', R)).subarray(0, 16));

  return {
    v: 1,
    alg: 'A256GCM',
    iv: content.iv,
    ciphertext: content.body,
    tag: content.tag,
    recipients: [
      {
        kind: 'group',
        groupId: group.groupId,
        keyId,
        alg: 'ECDH-X25519+HKDF-SHA256+A256GCM',
        epk: b64url(E),
        iv: wrapped.iv,
        wrappedKey: wrapped.body,
        tag: wrapped.tag,
      },
    ],
  };
}

describe('the documented format, implemented with WebCrypto', () => {
  it('produces envelopes that openSecret opens', async () => {
    const group = generateGroupKeyPair();
    const ctx = { secretId: 'sec_01J9Z-é', version: 7 };
    const sealed = await browserSeal(utf8('from the browser'), ctx, { groupId: 'eng', publicKey: group.publicKey });

    expect(openSecret(sealed, ctx, { kind: 'group', groupId: 'eng', privateKey: group.privateKey }).toString()).toBe(
      'from the browser',
    );
    expect(sealed.recipients[0].keyId).toBe(group.keyId);
  });
});
