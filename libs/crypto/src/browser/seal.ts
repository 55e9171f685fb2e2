/**
 * Sealing with WebCrypto only (no node:crypto, no Buffer), for the web console: the format is the one
 * documented at the top of ../envelope.ts, so a delegate opens the result with openSecret.
 * Imported as `@conduit/crypto/browser`; the package's main entry needs Node.
 */

/** Raw bytes backed by a plain ArrayBuffer, which is what SubtleCrypto accepts. */
type Bytes = Uint8Array<ArrayBuffer>;

export interface BrowserGroupRecipient {
  groupId: string;
  /** Raw X25519 public key, unpadded base64url. */
  publicKey: string;
  /** The key id the control plane recorded for the group; checked against the key before sealing. */
  keyId?: string | null;
}

export interface BrowserSealedSecret {
  v: 1;
  alg: 'A256GCM';
  iv: string;
  ciphertext: string;
  tag: string;
  recipients: Array<{
    kind: 'group';
    groupId: string;
    keyId: string;
    alg: 'ECDH-X25519+HKDF-SHA256+A256GCM';
    epk: string;
    iv: string;
    wrappedKey: string;
    tag: string;
  }>;
}

const subtle = () => globalThis.crypto.subtle;
const utf8 = (text: string): Bytes => new TextEncoder().encode(text) as Bytes;

export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64Url(text: string): Bytes {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('not unpadded base64url');
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(...parts: Uint8Array[]): Bytes {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function u32(n: number): Bytes {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n);
  return out;
}

const lengthPrefixed = (bytes: Uint8Array) => concat(u32(bytes.length), bytes);

async function gcmEncrypt(rawKey: Bytes, plaintext: Bytes, aad: Bytes) {
  const key = await subtle().importKey('raw', rawKey, 'AES-GCM', false, ['encrypt']);
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(12));
  // WebCrypto appends the 16-byte tag to the ciphertext; the format keeps them apart.
  const sealed = new Uint8Array(
    await subtle().encrypt({ name: 'AES-GCM', iv, additionalData: aad, tagLength: 128 }, key, plaintext),
  );
  return { iv: toBase64Url(iv), body: toBase64Url(sealed.subarray(0, -16)), tag: toBase64Url(sealed.subarray(-16)) };
}

/** base64url(first 16 bytes of SHA-256(raw public key)): the id the delegate finds its entry by. */
export async function publicKeyId(publicKey: string): Promise<string> {
  return toBase64Url(new Uint8Array(await subtle().digest('SHA-256', fromBase64Url(publicKey))).subarray(0, 16));
}

/**
 * Encrypts `plaintext` for the secret record (secretId, version) with a fresh data key, and wraps that
 * key for each delegate group's X25519 public key. Refuses a group whose key does not match its key id.
 */
export async function sealForGroupsInBrowser(
  plaintext: Uint8Array,
  ctx: { secretId: string; version: number },
  groups: readonly BrowserGroupRecipient[],
): Promise<BrowserSealedSecret> {
  if (groups.length === 0) throw new Error('no delegate group has a public key yet: nobody could open this value');
  const context = concat(lengthPrefixed(utf8(ctx.secretId)), u32(ctx.version));
  const contentAad = concat(utf8('conduit/v1/secret'), context);
  const wrapInfo = concat(utf8('conduit/v1/wrap'), context);

  const dataKey = globalThis.crypto.getRandomValues(new Uint8Array(32));
  try {
    const content = await gcmEncrypt(dataKey, concat(plaintext), contentAad);
    const recipients: BrowserSealedSecret['recipients'] = [];
    for (const group of groups) {
      const R = fromBase64Url(group.publicKey);
      if (R.length !== 32)
        throw new Error(`the public key of delegate group '${group.groupId}' is not a 32-byte X25519 key`);
      const keyId = await publicKeyId(group.publicKey);
      if (group.keyId && group.keyId !== keyId) {
        throw new Error(
          `the public key of delegate group '${group.groupId}' does not match its key id ${group.keyId}; refusing to seal to it`,
        );
      }
      const recipientKey = await subtle().importKey('raw', R, { name: 'X25519' }, false, []);
      const ephemeral = await subtle().generateKey({ name: 'X25519' }, true, ['deriveBits']);
      if (!('privateKey' in ephemeral)) throw new Error('this browser cannot make X25519 key pairs');
      const E = new Uint8Array(await subtle().exportKey('raw', ephemeral.publicKey));
      const shared = await subtle().deriveBits({ name: 'X25519', public: recipientKey }, ephemeral.privateKey, 256);
      const ikm = await subtle().importKey('raw', shared, 'HKDF', false, ['deriveBits']);
      const kek = new Uint8Array(
        await subtle().deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: concat(E, R), info: wrapInfo }, ikm, 256),
      );
      const wrapAad = concat(wrapInfo, lengthPrefixed(utf8('group')), lengthPrefixed(utf8(group.groupId)));
      const wrapped = await gcmEncrypt(kek, dataKey, wrapAad);
      kek.fill(0);
      recipients.push({
        kind: 'group',
        groupId: group.groupId,
        keyId,
        alg: 'ECDH-X25519+HKDF-SHA256+A256GCM',
        epk: toBase64Url(E),
        iv: wrapped.iv,
        wrappedKey: wrapped.body,
        tag: wrapped.tag,
      });
    }
    return { v: 1, alg: 'A256GCM', iv: content.iv, ciphertext: content.body, tag: content.tag, recipients };
  } finally {
    dataKey.fill(0);
  }
}

/**
 * The context a secret's envelope is bound to (its AAD): the secret's immutable address and the version
 * being sealed. Known before the secret exists, so a client can seal a value for a secret it is creating.
 */
export function secretSealingContext(
  address: { account: string; org: string | null; project: string | null; identifier: string },
  version: number,
): { secretId: string; version: number } {
  return {
    secretId: `secret:${address.account}/${address.org ?? '-'}/${address.project ?? '-'}/${address.identifier}`,
    version,
  };
}
