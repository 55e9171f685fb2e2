import type { KeyObject } from 'node:crypto';
import {
  CryptoError,
  decodeSecretPayload,
  maskableValues,
  openSecret,
  SealedSecret,
  SecretMasker,
  SecretPayload,
} from '@conduit/crypto';
import type { TaskSecret } from '@conduit/protocol';
import { TaskFailure } from './executor';

/** The group key as the runner needs it: which group the envelopes name, and the private key. */
export interface OpeningGroupKey {
  group: string;
  privateKey: KeyObject;
}

/**
 * Opens every secret a task was given and registers each value (and its encoded forms) with the task's
 * masker before anything runs. Fails with SECRET_UNAVAILABLE naming the reference, never the value.
 * Returns the references whose values are too short to be masked, so the caller can warn.
 */
export function openTaskSecrets(
  secrets: readonly TaskSecret[],
  key: OpeningGroupKey | undefined,
  masker: SecretMasker,
): { values: Map<string, SecretPayload>; unmaskable: string[] } {
  const values = new Map<string, SecretPayload>();
  const unmaskable: string[] = [];
  for (const secret of secrets) {
    const payload = openOne(secret, key);
    for (const value of maskableValues(payload)) {
      const registration = masker.register(value, secret.ref);
      if (!registration.masked && !unmaskable.includes(secret.ref)) unmaskable.push(secret.ref);
    }
    values.set(secret.ref, payload);
  }
  return { values, unmaskable };
}

function openOne(secret: TaskSecret, key: OpeningGroupKey | undefined): SecretPayload {
  const unavailable = (why: string, hint?: string) =>
    new TaskFailure('SECRET_UNAVAILABLE', `secret '${secret.ref}' ${why}`, {
      stage: 'authentication',
      ...(hint ? { hint } : {}),
    });
  if (secret.sealed === undefined) {
    if (secret.reference !== undefined || secret.kind === 'reference') {
      throw unavailable(
        `is a reference to an external secret manager (${secret.reference?.manager ?? 'unnamed'}); external managers are not supported by this delegate version`,
        'upgrade the delegate, or store the secret in the built-in secret manager',
      );
    }
    throw unavailable('was sent without a sealed value or a reference');
  }
  if (key === undefined) {
    throw unavailable(
      'cannot be opened: this delegate has no group key',
      'set DELEGATE_KEY_FILE (or DELEGATE_PRIVATE_KEY) and re-seal the secret for its group',
    );
  }
  let plaintext: Buffer | undefined;
  try {
    plaintext = openSecret(
      secret.sealed as unknown as SealedSecret,
      { secretId: secret.secretId, version: secret.version },
      {
        kind: 'group',
        groupId: key.group,
        privateKey: key.privateKey,
      },
    );
    return decodeSecretPayload(plaintext);
  } catch (error) {
    // CryptoError and payload errors name ids, groups and fields only, never key material or plaintext.
    const reason = error instanceof CryptoError ? `${error.code}: ${error.message}` : (error as Error).message;
    const hint =
      error instanceof CryptoError && error.code === 'NO_RECIPIENT_FOR_KEY'
        ? `seal the secret for delegate group '${key.group}' with its current key`
        : undefined;
    throw unavailable(`could not be opened (${reason})`, hint);
  } finally {
    plaintext?.fill(0);
  }
}
