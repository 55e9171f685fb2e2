/**
 * Why a crypto operation failed. Callers branch on the code; messages name ids (secret, group, key id)
 * but never key material or plaintext.
 */
export type CryptoErrorCode =
  /** The sealed secret has no entry for the key offered (other group, other key id, rotated master). */
  | 'NO_RECIPIENT_FOR_KEY'
  /** Authentication failed: wrong key, wrong (secretId, version), or tampered data. */
  | 'DECRYPT_FAILED'
  /** The sealed secret is not a well-formed v1 envelope. */
  | 'BAD_FORMAT'
  /** A key given by the caller is malformed (wrong length, wrong type, unusable point). */
  | 'INVALID_KEY'
  /** An argument other than a key is unusable (empty secret id, no recipients, bad token prefix). */
  | 'INVALID_INPUT';

export class CryptoError extends Error {
  override readonly name = 'CryptoError';

  constructor(
    readonly code: CryptoErrorCode,
    message: string,
  ) {
    super(message);
  }
}
