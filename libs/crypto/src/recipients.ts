/** Wrapping the per-version data key for each recipient kind, and finding the entry a key can open. */
import { diffieHellman, generateKeyPairSync, hkdfSync, KeyObject, randomBytes } from 'node:crypto';
import { gcmDecrypt, gcmEncrypt, KEY_BYTES } from './aes-gcm';
import { SecretContext, wrapAad, wrapInfo } from './context';
import { fromBase64Url, toBase64Url } from './encoding';
import { CryptoError } from './errors';
import {
  decodePublicKey,
  derivePublicKey,
  exportRawPublicKey,
  loadPublicKey,
  publicKeyFingerprint,
  toPrivateKeyObject,
} from './keys';
import {
  GROUP_WRAP_ALG,
  MASTER_KEY_ID,
  MASTER_SALT_BYTES,
  MASTER_WRAP_ALG,
  RecipientEntry,
  SealedSecret,
} from './sealed-secret';

/** A delegate group, known by its public key only. */
export interface GroupRecipient {
  kind: 'group';
  groupId: string;
  /** Raw X25519 public key, unpadded base64url. */
  publicKey: string;
}

/** The control plane's master key: 32 random bytes, named by an id so it can rotate. */
export interface MasterKey {
  kind: 'master';
  keyId: string;
  key: Buffer;
}

export type Recipient = GroupRecipient | MasterKey;

/** What a delegate opens with: its group id and the group private key (PEM or a loaded KeyObject). */
export interface GroupPrivateKey {
  kind: 'group';
  groupId: string;
  privateKey: string | KeyObject;
}

export type OpeningKey = GroupPrivateKey | MasterKey;

export function wrapDataKey(dataKey: Buffer, ctx: SecretContext, recipient: Recipient): RecipientEntry {
  return recipient.kind === 'group' ? wrapForGroup(dataKey, ctx, recipient) : wrapForMaster(dataKey, ctx, recipient);
}

/** Finds the entry `key` can open and returns the data key; NO_RECIPIENT_FOR_KEY or DECRYPT_FAILED otherwise. */
export function unwrapDataKey(sealed: SealedSecret, ctx: SecretContext, key: OpeningKey): Buffer {
  return key.kind === 'group' ? unwrapForGroup(sealed, ctx, key) : unwrapForMaster(sealed, ctx, key);
}

function wrapForGroup(dataKey: Buffer, ctx: SecretContext, recipient: GroupRecipient): RecipientEntry {
  assertGroupId(recipient.groupId);
  const recipientRaw = decodePublicKey(recipient.publicKey);
  const ephemeral = generateKeyPairSync('x25519');
  const epk = exportRawPublicKey(ephemeral.publicKey);
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey: ephemeral.privateKey, publicKey: loadPublicKey(recipient.publicKey) });
  } catch {
    // OpenSSL refuses low-order points (an all-zero shared secret would expose the data key).
    throw new CryptoError('INVALID_KEY', `public key of group '${recipient.groupId}' is not a usable X25519 key`);
  }
  const kek = hkdf(shared, Buffer.concat([requireBytes(epk), recipientRaw]), wrapInfo(ctx));
  const box = gcmEncrypt(kek, dataKey, wrapAad(ctx, 'group', recipient.groupId));
  shared.fill(0);
  kek.fill(0);
  return {
    kind: 'group',
    groupId: recipient.groupId,
    keyId: publicKeyFingerprint(recipient.publicKey),
    alg: GROUP_WRAP_ALG,
    epk,
    iv: toBase64Url(box.iv),
    wrappedKey: toBase64Url(box.ciphertext),
    tag: toBase64Url(box.tag),
  };
}

function unwrapForGroup(sealed: SealedSecret, ctx: SecretContext, key: GroupPrivateKey): Buffer {
  const privateKey = toPrivateKeyObject(key.privateKey);
  const publicKey = derivePublicKey(privateKey);
  const keyId = publicKeyFingerprint(publicKey);
  const entry = sealed.recipients.find((r) => r.kind === 'group' && r.groupId === key.groupId && r.keyId === keyId);
  if (entry?.kind !== 'group') {
    throw new CryptoError(
      'NO_RECIPIENT_FOR_KEY',
      `secret '${ctx.secretId}' version ${ctx.version} is not sealed for group '${key.groupId}' key '${keyId}'`,
    );
  }
  const what = `data key of secret '${ctx.secretId}' version ${ctx.version} for group '${key.groupId}'`;
  let shared: Buffer;
  try {
    shared = diffieHellman({ privateKey, publicKey: loadPublicKey(entry.epk) });
  } catch {
    throw new CryptoError('DECRYPT_FAILED', `${what} could not be decrypted: unusable ephemeral key`);
  }
  const kek = hkdf(shared, Buffer.concat([requireBytes(entry.epk), decodePublicKey(publicKey)]), wrapInfo(ctx));
  try {
    return gcmDecrypt(kek, boxOf(entry), wrapAad(ctx, 'group', key.groupId), what);
  } finally {
    shared.fill(0);
    kek.fill(0);
  }
}

function wrapForMaster(dataKey: Buffer, ctx: SecretContext, master: MasterKey): RecipientEntry {
  assertMasterKey(master);
  const salt = randomBytes(MASTER_SALT_BYTES);
  const kek = hkdf(master.key, salt, wrapInfo(ctx));
  const box = gcmEncrypt(kek, dataKey, wrapAad(ctx, 'master', master.keyId));
  kek.fill(0);
  return {
    kind: 'master',
    keyId: master.keyId,
    alg: MASTER_WRAP_ALG,
    salt: toBase64Url(salt),
    iv: toBase64Url(box.iv),
    wrappedKey: toBase64Url(box.ciphertext),
    tag: toBase64Url(box.tag),
  };
}

function unwrapForMaster(sealed: SealedSecret, ctx: SecretContext, master: MasterKey): Buffer {
  assertMasterKey(master);
  const entry = sealed.recipients.find((r) => r.kind === 'master' && r.keyId === master.keyId);
  if (entry?.kind !== 'master') {
    throw new CryptoError(
      'NO_RECIPIENT_FOR_KEY',
      `secret '${ctx.secretId}' version ${ctx.version} is not sealed for master key '${master.keyId}'`,
    );
  }
  const kek = hkdf(master.key, requireBytes(entry.salt), wrapInfo(ctx));
  try {
    const what = `data key of secret '${ctx.secretId}' version ${ctx.version} for master key '${master.keyId}'`;
    return gcmDecrypt(kek, boxOf(entry), wrapAad(ctx, 'master', master.keyId), what);
  } finally {
    kek.fill(0);
  }
}

function hkdf(ikm: Buffer, salt: Buffer, info: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, KEY_BYTES));
}

function boxOf(entry: RecipientEntry) {
  return { iv: requireBytes(entry.iv), ciphertext: requireBytes(entry.wrappedKey), tag: requireBytes(entry.tag) };
}

/** Fields were validated by the schema; a failure here means the object was changed after parsing. */
export function requireBytes(text: string): Buffer {
  const bytes = fromBase64Url(text);
  if (bytes === null) throw new CryptoError('BAD_FORMAT', 'sealed secret field is not unpadded base64url');
  return bytes;
}

function assertMasterKey(master: MasterKey): void {
  if (typeof master.keyId !== 'string' || !MASTER_KEY_ID.test(master.keyId)) {
    throw new CryptoError('INVALID_KEY', 'master key id must be 1-128 characters of [A-Za-z0-9._:-]');
  }
  if (!Buffer.isBuffer(master.key) || master.key.length !== KEY_BYTES) {
    throw new CryptoError('INVALID_KEY', `master key '${master.keyId}' must be ${KEY_BYTES} bytes`);
  }
}

function assertGroupId(groupId: string): void {
  if (typeof groupId !== 'string' || groupId.length === 0 || groupId.length > 256) {
    throw new CryptoError('INVALID_INPUT', 'group id must be a non-empty string of at most 256 characters');
  }
}
