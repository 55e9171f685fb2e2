import * as path from 'node:path';
import { encodeSecretPayload, publicKeyFingerprint, sealForGroups, secretSealingContext, type SealedSecret, type SecretPayload } from '@conduit/crypto';
import type { DelegateGroupView } from '../api/views';
import { CliError } from '../errors';

/** Where a secret version lives: its envelope is bound to this address and version, so it cannot be moved. */
export interface SecretAddress {
  account: string;
  org: string | null;
  project: string | null;
  identifier: string;
}

export type SealableKind = 'text' | 'file';

/** The payload a delegate will open: text as is, a file as base64 with its name. */
export function payloadOf(kind: SealableKind, value: Buffer, fileName?: string): SecretPayload {
  if (value.length === 0) throw CliError.usage('the secret value is empty');
  if (kind === 'text') return { kind: 'text', value: value.toString('utf8') };
  return { kind: 'file', base64: value.toString('base64'), ...(fileName ? { fileName: path.basename(fileName) } : {}) };
}

/**
 * Seals a value here, to every delegate group's public key, so the control plane only ever stores and
 * forwards an envelope it cannot open. Refuses when no group has a key: nobody could open the value.
 */
export function sealForDelegateGroups(payload: SecretPayload, address: SecretAddress, version: number, groups: readonly DelegateGroupView[]): SealedSecret {
  const keyed = groups.filter((g): g is DelegateGroupView & { publicKey: string } => typeof g.publicKey === 'string' && g.publicKey.length > 0);
  if (keyed.length === 0) {
    throw new CliError(
      'no delegate group has registered a public key yet, so no delegate could open this value: start a delegate with a key file (DELEGATE_KEY_FILE) and try again (conduit delegate list shows them)',
    );
  }
  for (const group of keyed) {
    if (group.keyId && publicKeyFingerprint(group.publicKey) !== group.keyId) {
      throw new CliError(`the public key of delegate group '${group.name}' does not match its key id ${group.keyId}; refusing to seal to it`);
    }
  }
  return sealForGroups(
    encodeSecretPayload(payload),
    secretSealingContext(address, version),
    keyed.map((g) => ({ groupId: g.name, publicKey: g.publicKey })),
  );
}
