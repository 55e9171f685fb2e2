/**
 * Envelope encryption of secret values.
 *
 * Each secret version gets its own random data key; the value is encrypted once with it, and the data
 * key is wrapped separately for every recipient (delegate groups, and optionally the control plane's
 * master key). The (secretId, version) of the record is bound into every AAD and KDF input, so an
 * envelope copied onto another record or version does not open.
 *
 * Format v1, written so a WebCrypto or CLI implementation can seal compatibly. Binary fields are
 * unpadded base64url, integers are unsigned 32-bit big-endian, || is concatenation:
 *
 *   lp(b)                = u32(byteLength(b)) || b
 *   context              = lp(utf8(secretId)) || u32(version)           secretId ≤ 512 bytes
 *   contentAad           = utf8("conduit/v1/secret") || context
 *   wrapInfo             = utf8("conduit/v1/wrap")   || context
 *   wrapAad(kind, label) = wrapInfo || lp(utf8(kind)) || lp(utf8(label))  label: groupId or master keyId
 *
 *   1. dataKey = 32 random bytes, iv = 12 random bytes.
 *      ciphertext || tag = AES-256-GCM(dataKey, iv, plaintext, additionalData = contentAad), 128-bit tag.
 *      (WebCrypto's encrypt() returns ciphertext with the 16-byte tag appended: split the last 16 bytes off.)
 *   2. For each delegate group with raw X25519 public key R (32 bytes, the stored base64url public key):
 *        (e, E) = a fresh X25519 key pair        generateKey({name: 'X25519'}), exportKey('raw', E)
 *        Z      = X25519(e, R), 32 bytes          deriveBits({name: 'X25519', public: R}, e, 256)
 *        kek    = HKDF-SHA256(ikm = Z, salt = E || R, info = wrapInfo, length = 32 bytes)
 *        wrappedKey || tag = AES-256-GCM(kek, fresh 12-byte iv, dataKey, additionalData = wrapAad("group", groupId))
 *        entry  = {kind: "group", groupId, keyId, alg: "ECDH-X25519+HKDF-SHA256+A256GCM", epk: E, iv, wrappedKey, tag}
 *        keyId  = base64url(first 16 bytes of SHA-256(R))
 *   3. For the master key M (32 bytes, control plane only):
 *        salt   = 32 random bytes; kek = HKDF-SHA256(ikm = M, salt, info = wrapInfo, 32 bytes)
 *        wrappedKey || tag = AES-256-GCM(kek, fresh 12-byte iv, dataKey, additionalData = wrapAad("master", keyId))
 *        entry  = {kind: "master", keyId, alg: "HKDF-SHA256+A256GCM", salt, iv, wrappedKey, tag}
 *   4. SealedSecret = {v: 1, alg: "A256GCM", iv, ciphertext, tag, recipients: [entries…]}
 *
 * The sealed form does not carry secretId or version: the opener supplies them from the record it read.
 */
import { randomBytes } from 'node:crypto';
import { gcmDecrypt, gcmEncrypt, KEY_BYTES } from './aes-gcm';
import { contentAad, SecretContext } from './context';
import { toBase64Url } from './encoding';
import { CryptoError } from './errors';
import { publicKeyFingerprint } from './keys';
import {
  GroupRecipient,
  MasterKey,
  OpeningKey,
  Recipient,
  requireBytes,
  unwrapDataKey,
  wrapDataKey,
} from './recipients';
import {
  CONTENT_ALG,
  parseSealedSecret,
  RecipientEntry,
  recipientEntryKey,
  SEALED_SECRET_VERSION,
  SealedSecret,
} from './sealed-secret';

/** Encrypts `plaintext` for (secretId, version) and wraps its data key for every recipient. */
export function sealSecret(plaintext: Buffer, ctx: SecretContext, recipients: Recipient[]): SealedSecret {
  const aad = contentAad(ctx);
  if (recipients.length === 0) {
    throw new CryptoError('INVALID_INPUT', `secret '${ctx.secretId}' needs at least one recipient`);
  }
  assertDistinct(recipients.map(identityOf), ctx);
  const dataKey = randomBytes(KEY_BYTES);
  try {
    const box = gcmEncrypt(dataKey, plaintext, aad);
    return {
      v: SEALED_SECRET_VERSION,
      alg: CONTENT_ALG,
      iv: toBase64Url(box.iv),
      ciphertext: toBase64Url(box.ciphertext),
      tag: toBase64Url(box.tag),
      recipients: recipients.map((recipient) => wrapDataKey(dataKey, ctx, recipient)),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** Sealing by clients that only know delegate group public keys (CLI, API callers). */
export function sealForGroups(
  plaintext: Buffer,
  ctx: SecretContext,
  groups: ReadonlyArray<{ groupId: string; publicKey: string }>,
): SealedSecret {
  return sealSecret(
    plaintext,
    ctx,
    groups.map((g): GroupRecipient => ({ kind: 'group', groupId: g.groupId, publicKey: g.publicKey })),
  );
}

/** Decrypts the value. The caller owns the returned buffer and should zero it when done. */
export function openSecret(sealed: SealedSecret, ctx: SecretContext, key: OpeningKey): Buffer {
  const parsed = parseSealedSecret(sealed);
  const dataKey = unwrapDataKey(parsed, ctx, key);
  try {
    return decryptContent(parsed, ctx, dataKey);
  } finally {
    dataKey.fill(0);
  }
}

/**
 * Wraps the same data key for more recipients; the ciphertext is unchanged. This is how a delegate
 * re-seals a secret for another group. An existing entry for the same group key or master key id is replaced.
 */
export function addRecipients(
  sealed: SealedSecret,
  ctx: SecretContext,
  openingKey: OpeningKey,
  newRecipients: Recipient[],
): SealedSecret {
  const identities = newRecipients.map(identityOf);
  assertDistinct(identities, ctx);
  return rewrap(sealed, ctx, openingKey, new Set(identities), newRecipients);
}

/** Master key rotation: the entry for `oldMaster` is replaced by one for `newMaster`. */
export function rewrapMaster(
  sealed: SealedSecret,
  ctx: SecretContext,
  oldMaster: MasterKey,
  newMaster: MasterKey,
): SealedSecret {
  const drop = new Set([identityOf(oldMaster), identityOf(newMaster)]);
  return rewrap(sealed, ctx, oldMaster, drop, [newMaster]);
}

function rewrap(
  sealed: SealedSecret,
  ctx: SecretContext,
  openingKey: OpeningKey,
  drop: ReadonlySet<string>,
  add: Recipient[],
): SealedSecret {
  const parsed = parseSealedSecret(sealed);
  const dataKey = unwrapDataKey(parsed, ctx, openingKey);
  try {
    // Anyone holding a group public key can write a group entry, so prove the unwrapped key really
    // opens this ciphertext before passing it on to new recipients.
    decryptContent(parsed, ctx, dataKey).fill(0);
    const kept = parsed.recipients.filter((entry) => !drop.has(recipientEntryKey(entry)));
    const added: RecipientEntry[] = add.map((recipient) => wrapDataKey(dataKey, ctx, recipient));
    return { ...parsed, recipients: [...kept, ...added] };
  } finally {
    dataKey.fill(0);
  }
}

function decryptContent(sealed: SealedSecret, ctx: SecretContext, dataKey: Buffer): Buffer {
  const box = {
    iv: requireBytes(sealed.iv),
    ciphertext: requireBytes(sealed.ciphertext),
    tag: requireBytes(sealed.tag),
  };
  return gcmDecrypt(dataKey, box, contentAad(ctx), `secret '${ctx.secretId}' version ${ctx.version}`);
}

function identityOf(recipient: Recipient): string {
  return recipient.kind === 'group'
    ? recipientEntryKey({ kind: 'group', groupId: recipient.groupId, keyId: publicKeyFingerprint(recipient.publicKey) })
    : recipientEntryKey({ kind: 'master', keyId: recipient.keyId });
}

function assertDistinct(identities: string[], ctx: SecretContext): void {
  if (new Set(identities).size !== identities.length) {
    throw new CryptoError('INVALID_INPUT', `secret '${ctx.secretId}' lists the same recipient twice`);
  }
}
