import { ConnectorCheckError, getConnectorType, validateConnectorSpec, type CheckStage, type OperationContext } from '@conduit/connectors';
import type { SecretPayload } from '@conduit/crypto';

/**
 * A context as a delegate gives one: validated spec, opened secrets by reference, the delegate's inheritable
 * environment, stages recorded. `action(name, input)` runs one of the type's operations as the delegate does.
 */
export function context(type: string, raw: Record<string, unknown>, secrets: Record<string, SecretPayload>, environment?: Record<string, string>) {
  const validated = validateConnectorSpec(type, raw);
  if (!validated.ok) throw new Error(`invalid ${type} spec: ${JSON.stringify(validated.issues)}`);
  const stages: Array<{ stage: CheckStage; ok: boolean }> = [];
  const ctx: OperationContext = {
    spec: validated.spec,
    secrets: new Map(Object.entries(secrets)),
    signal: AbortSignal.timeout(60_000),
    ...(environment ? { environment } : {}),
    log: () => undefined,
    async stage(stage, run) {
      try {
        const result = await run();
        stages.push({ stage, ok: true });
        return result;
      } catch (error) {
        stages.push({ stage, ok: false });
        throw error;
      }
    },
  };
  const operations = getConnectorType(type)?.operations;
  if (!operations) throw new Error(`${type} has no connection test`);
  const action = (name: string, input: Record<string, unknown> = {}) => {
    const found = operations.actions?.[name];
    if (!found) throw new Error(`${type} has no operation '${name}'`);
    return found.run(ctx, found.input.parse(input));
  };
  return { ctx, stages, test: () => operations.test(ctx), action };
}

export async function failure(promise: Promise<unknown>): Promise<ConnectorCheckError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorCheckError) return error;
    throw error;
  }
  throw new Error('expected the connection test to fail');
}

export const text = (value: string): SecretPayload => ({ kind: 'text', value });
