import type { SecretPayload } from '@conduit/crypto';
import type { z } from 'zod';

/** The lifecycle stages a connection test walks through after resolution and validation. */
export type CheckStage = 'authentication' | 'connection' | 'operation';

/** What an operation gets from whoever runs it (a delegate, or the control plane in platform mode). */
export interface OperationContext {
  /** The connector's validated configuration. */
  spec: Record<string, unknown>;
  /** Opened secrets by the reference the spec uses; already registered with the output masker. */
  secrets: ReadonlyMap<string, SecretPayload>;
  signal: AbortSignal;
  /**
   * The delegate's own environment, for credentials a connector inherits from it (InheritFromDelegate:
   * AWS_* keys, GOOGLE_APPLICATION_CREDENTIALS). Absent: nothing is inherited.
   */
  environment?: Readonly<Record<string, string | undefined>>;
  /**
   * Platform mode without an admin's allowance: connect only to public addresses, checked on the address
   * each connection actually uses. Absent on delegates, which sit in the network they are meant to reach.
   */
  publicAddressesOnly?: boolean;
  log(text: string): void;
  /** Runs one stage, reporting its start, end and duration. */
  stage<T>(stage: CheckStage, run: () => Promise<T>): Promise<T>;
}

export interface CheckOutcome {
  /** One line a person reads: what was reached and what it answered. */
  message: string;
  details?: Record<string, unknown>;
}

/** Where an external secret manager keeps a value: a path, optionally a field of it and a version. */
export interface ExternalSecretAddress {
  path: string;
  /** A field of a JSON (or KV) secret; without it the whole value (or its only field). */
  key?: string | undefined;
  version?: string | undefined;
}

/** The operations a connector type implements; `test` is the connection test every type offers. */
export interface ConnectorOperations {
  test(ctx: OperationContext): Promise<CheckOutcome>;
  /** Secret managers: reads one value with the connector's own credentials (on the delegate). */
  readSecret?(ctx: OperationContext, address: ExternalSecretAddress): Promise<string>;
  /** The operations beyond the test, by the name the API uses (`list-tags`), run as tasks like the test. */
  actions?: Readonly<Record<string, ConnectorAction>>;
}

/**
 * One operation on what a connector reaches (list tags, read a file, run a command): its input, validated
 * before the task is created and again where it runs, and the work, a function of the context and input
 * alone so a delegate and the control plane (platform mode) run the same code.
 */
export interface ConnectorAction<I = unknown> {
  description: string;
  input: z.ZodType<I>;
  /** Changes something on the peer (runs a command): never retried as a whole, audited as a write. */
  mutating?: boolean;
  run(ctx: OperationContext, input: I): Promise<CheckOutcome>;
}

/** A failure a person can act on: a code per kind, the stage it happened in, and a hint. */
export class ConnectorCheckError extends Error {
  override readonly name = 'ConnectorCheckError';

  constructor(
    readonly code: string,
    readonly stage: CheckStage,
    message: string,
    readonly hint?: string,
    /** Facts for the control plane to act on (the host key an SSH server presented), never a secret. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** The text of a secret a spec field refers to (a token, a password). */
export function secretText(ctx: OperationContext, ref: string, field: string): string {
  const secret = ctx.secrets.get(ref);
  if (!secret) throw new ConnectorCheckError('SECRET_UNAVAILABLE', 'authentication', `${field}: secret '${ref}' was not provided to this operation`);
  if (secret.kind === 'text') return secret.value;
  if (secret.kind === 'file') return Buffer.from(secret.base64, 'base64').toString('utf8');
  throw new ConnectorCheckError('SECRET_KIND', 'authentication', `${field}: secret '${ref}' is a ${secret.kind}, not a text value`);
}

/** The PEM of the connector's own CA (`spec.caCertRef`), for every HTTPS exchange its operations make. */
export function connectorCa(ctx: OperationContext): string | undefined {
  const ref = ctx.spec['caCertRef'];
  return typeof ref === 'string' ? secretText(ctx, ref, 'spec.caCertRef') : undefined;
}
