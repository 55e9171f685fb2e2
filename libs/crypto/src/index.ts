export { CryptoError } from './errors';
export type { CryptoErrorCode } from './errors';
export type { SecretContext } from './context';
export { derivePublicKey, generateGroupKeyPair, loadPrivateKey, loadPublicKey, publicKeyFingerprint } from './keys';
export type { GroupKeyPair } from './keys';
export type { GroupPrivateKey, GroupRecipient, MasterKey, OpeningKey, Recipient } from './recipients';
export {
  CONTENT_ALG,
  GROUP_WRAP_ALG,
  MASTER_WRAP_ALG,
  SEALED_SECRET_VERSION,
  parseSealedSecret,
  sealedSecretSchema,
} from './sealed-secret';
export type { GroupRecipientEntry, MasterRecipientEntry, RecipientEntry, SealedSecret } from './sealed-secret';
export { addRecipients, openSecret, rewrapMaster, sealForGroups, sealSecret } from './envelope';
export { DEFAULT_MIN_SECRET_LENGTH, MASK, SecretMasker } from './masker';
export type { MaskedRange, MaskRegistration } from './masker';
export { MaskingLineBuffer, createMaskingStream } from './masking-stream';
export { generateToken, hashSecretToken, parseToken, verifySecretToken } from './tokens';
export type { ParsedToken } from './tokens';
export { decodeSecretPayload, encodeSecretPayload, maskableValues, SecretPayload, secretPayloadText, secretSealingContext } from './secret-payload';
