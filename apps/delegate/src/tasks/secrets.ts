import type { KeyObject } from 'node:crypto';
import type { OperationContext } from '@conduit/connectors';
import { connectorsLib } from './connectors-lib';
import {
  addRecipients,
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
import { renderedSpec } from './executors/spec-expressions';

/** The group key as the runner needs it: which group the envelopes name, and the private key. */
export interface OpeningGroupKey {
  group: string;
  privateKey: KeyObject;
}

type ManagerSecret = NonNullable<TaskSecret['manager']>['secrets'][number];

/**
 * The variables a connector may inherit from the delegate (InheritFromDelegate credentials, and the endpoint
 * overrides the cloud SDKs honour); nothing else is passed on.
 */
export const INHERITABLE_VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_STS',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'AZURE_AUTHORITY_HOST',
] as const;

export type InheritableEnvironment = Partial<Record<(typeof INHERITABLE_VARIABLES)[number], string>>;

export function inheritableEnvironment(env: NodeJS.ProcessEnv): InheritableEnvironment {
  return Object.fromEntries(INHERITABLE_VARIABLES.filter((name) => env[name]).map((name) => [name, env[name] as string]));
}

/** A reference waiting to be read from its manager, with the manager's own credentials already opened. */
interface PendingReference {
  secret: TaskSecret & { reference: NonNullable<TaskSecret['reference']>; manager: NonNullable<TaskSecret['manager']> };
  managerSecrets: Map<string, SecretPayload>;
}

/**
 * A task's secret values by reference, as executors see them. Sealed secrets are opened when it is built;
 * external references are read from their managers by `resolveReferences` (which the executor registry
 * runs before any executor) — values are registered with the task's masker before they are stored here.
 * It also holds what re-sealing needs (the envelopes and the group key), so the key never reaches an executor.
 */
export class TaskSecretValues extends Map<string, SecretPayload> {
  private pending: PendingReference[] = [];

  constructor(
    private readonly secrets: readonly TaskSecret[],
    private readonly key: OpeningGroupKey | undefined,
    private readonly masker: SecretMasker,
  ) {
    super();
  }

  /** References not yet read from their managers. */
  get unresolved(): string[] {
    return this.pending.map((p) => p.secret.ref);
  }

  /** @internal used by openTaskSecrets */
  defer(reference: PendingReference): void {
    this.pending.push(reference);
  }

  /**
   * Reads every pending reference on this delegate with its manager's credentials and registers each value
   * with the masker. Fails naming the reference and the manager, never a value. Returns the references too
   * short to be masked.
   */
  async resolveReferences(options: { signal: AbortSignal; environment: InheritableEnvironment }): Promise<string[]> {
    const unmaskable: string[] = [];
    for (const { secret, managerSecrets } of this.pending) {
      const value = await readReference(secret, managerSecrets, options);
      const payload: SecretPayload = { kind: 'text', value };
      if (register(this.masker, secret.ref, payload)) unmaskable.push(secret.ref);
      this.set(secret.ref, payload);
    }
    this.pending = [];
    return unmaskable;
  }

  /**
   * The envelope of secret `secretId` at `version` with `groups` added as recipients (the data key re-wrapped
   * to their public keys; the ciphertext unchanged). Never the value.
   */
  reseal(secretId: string, version: number, groups: ReadonlyArray<{ groupId: string; publicKey: string }>): SealedSecret {
    const secret = this.secrets.find((s) => s.secretId === secretId);
    if (!secret?.sealed) throw new TaskFailure('SECRET_NOT_PROVIDED', `secret ${secretId} was not given to this task as an envelope`, { stage: 'validation' });
    if (secret.version !== version) {
      throw new TaskFailure('SECRET_CHANGED', `secret '${secret.ref}' is at version ${secret.version} now, not ${version}: re-seal again`, { stage: 'validation' });
    }
    if (this.key === undefined) throw new TaskFailure('SECRET_UNAVAILABLE', `secret '${secret.ref}' cannot be re-sealed: this delegate has no group key`, { stage: 'authentication' });
    try {
      return addRecipients(
        secret.sealed as unknown as SealedSecret,
        { secretId: secret.secretId, version: secret.version },
        { kind: 'group', groupId: this.key.group, privateKey: this.key.privateKey },
        groups.map((g) => ({ kind: 'group', groupId: g.groupId, publicKey: g.publicKey })),
      );
    } catch (error) {
      const reason = error instanceof CryptoError ? `${error.code}: ${error.message}` : (error as Error).message;
      throw new TaskFailure('RESEAL_FAILED', `secret '${secret.ref}' could not be re-sealed (${reason})`, { stage: 'operation' });
    }
  }
}

/**
 * Opens every sealed secret a task was given and registers each value (and its encoded forms) with the
 * task's masker before anything runs. External references are checked here (their manager's own secrets
 * are opened and registered too) and read later by `TaskSecretValues.resolveReferences`, which is
 * asynchronous. Fails with SECRET_UNAVAILABLE naming the reference, never the value. Returns the references
 * whose values are too short to be masked, so the caller can warn.
 */
export function openTaskSecrets(
  secrets: readonly TaskSecret[],
  key: OpeningGroupKey | undefined,
  masker: SecretMasker,
): { values: TaskSecretValues; unmaskable: string[] } {
  const values = new TaskSecretValues(secrets, key, masker);
  const unmaskable: string[] = [];
  const note = (ref: string, tooShort: boolean) => tooShort && !unmaskable.includes(ref) && unmaskable.push(ref);
  for (const secret of secrets) {
    if (secret.sealed === undefined && (secret.reference !== undefined || secret.kind === 'reference')) {
      const { reference, manager } = secret;
      if (reference === undefined || manager === undefined) {
        throw unavailable(secret.ref, `is a reference to an external secret manager (${reference?.manager ?? 'unnamed'}) sent without its manager connector`, 'upgrade the control plane');
      }
      const managerSecrets = new Map<string, SecretPayload>();
      for (const own of manager.secrets) {
        const payload = openOne(own, key, `secret '${secret.ref}': credential '${own.ref}' of manager '${reference.manager}'`);
        note(`${secret.ref} (credential '${own.ref}' of manager '${reference.manager}')`, register(masker, own.ref, payload));
        managerSecrets.set(own.ref, payload);
      }
      values.defer({ secret: { ...secret, reference, manager }, managerSecrets });
      continue;
    }
    const payload = openOne(secret, key, `secret '${secret.ref}'`);
    note(secret.ref, register(masker, secret.ref, payload));
    values.set(secret.ref, payload);
  }
  return { values, unmaskable };
}

/** Registers a value's maskable forms; true when one of them is too short to be masked. */
function register(masker: SecretMasker, ref: string, payload: SecretPayload): boolean {
  let tooShort = false;
  for (const value of maskableValues(payload)) if (!masker.register(value, ref).masked) tooShort = true;
  return tooShort;
}

function unavailable(ref: string, why: string, hint?: string, stage: 'authentication' | 'connection' | 'operation' = 'authentication'): TaskFailure {
  return new TaskFailure('SECRET_UNAVAILABLE', `secret '${ref}' ${why}`, { stage, ...(hint ? { hint } : {}) });
}

async function readReference(secret: PendingReference['secret'], managerSecrets: Map<string, SecretPayload>, options: { signal: AbortSignal; environment: InheritableEnvironment }): Promise<string> {
  const { reference, manager } = secret;
  const from = `from manager '${reference.manager}'`;
  const { ConnectorCheckError, getConnectorType } = await connectorsLib();
  const readSecret = getConnectorType(manager.type)?.operations?.readSecret;
  if (!readSecret) throw unavailable(secret.ref, `${from}: connector type '${manager.type}' cannot read secrets in this delegate version`, 'upgrade the delegate');
  const ctx: OperationContext = {
    spec: await renderedSpec(manager.spec, managerSecrets),
    secrets: managerSecrets,
    signal: options.signal,
    environment: options.environment,
    log: () => undefined,
    stage: (_stage, run) => run(),
  };
  let value: string;
  try {
    value = await readSecret(ctx, { path: reference.path, key: reference.key, version: reference.version });
  } catch (error) {
    if (options.signal.aborted) throw error;
    if (error instanceof ConnectorCheckError) {
      throw new TaskFailure(error.code, `secret '${secret.ref}' ${from}: ${error.message}`, { stage: error.stage, ...(error.hint ? { hint: error.hint } : {}) });
    }
    if (error instanceof TaskFailure) throw error;
    throw unavailable(secret.ref, `${from}: ${(error as Error).message}`, undefined, 'operation');
  }
  if (value.length === 0) throw unavailable(secret.ref, `${from}: the value at '${reference.path}' is empty`, undefined, 'operation');
  return value;
}

function openOne(secret: TaskSecret | ManagerSecret, key: OpeningGroupKey | undefined, what: string): SecretPayload {
  const fail = (why: string, hint?: string) => new TaskFailure('SECRET_UNAVAILABLE', `${what} ${why}`, { stage: 'authentication', ...(hint ? { hint } : {}) });
  if (secret.sealed === undefined) throw fail('was sent without a sealed value or a reference');
  if (key === undefined) {
    throw fail('cannot be opened: this delegate has no group key', 'set DELEGATE_KEY_FILE (or DELEGATE_PRIVATE_KEY) and re-seal the secret for its group');
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
    throw fail(`could not be opened (${reason})`, hint);
  } finally {
    plaintext?.fill(0);
  }
}
