import type { CheckStage, OperationContext } from '@conduit/connectors';
import type { SecretPayload } from '@conduit/crypto';
import { connectorsLib } from '../connectors-lib';
import { ExecutorContext, TaskFailure } from '../executor';
import { renderedSpec } from './spec-expressions';

/** A connector operation's context on this delegate: rendered spec, opened secrets, stages reported as progress. */
export async function operationContext(spec: Record<string, unknown>, { secrets, signal, log, progress, environment }: ExecutorContext<unknown>): Promise<OperationContext> {
  return {
    spec: await renderedSpec(spec, secrets as ReadonlyMap<string, SecretPayload>),
    secrets,
    signal,
    ...(environment ? { environment } : {}),
    log: (text) => log('system', text),
    async stage<T>(stage: CheckStage, run: () => Promise<T>): Promise<T> {
      progress(stage, 'started');
      try {
        const result = await run();
        progress(stage, 'succeeded');
        return result;
      } catch (error) {
        progress(stage, 'failed', error instanceof Error ? error.message : undefined);
        throw error;
      }
    },
  };
}

/** Runs a connector operation; its ConnectorCheckError becomes the task's failure, with stage, hint and details (e.g. the host key seen). */
export async function asTaskFailure<T>(run: () => Promise<T>): Promise<T> {
  const { ConnectorCheckError } = await connectorsLib();
  try {
    return await run();
  } catch (error) {
    if (error instanceof ConnectorCheckError) {
      throw new TaskFailure(error.code, error.message, { stage: error.stage, ...(error.hint ? { hint: error.hint } : {}) }, error.details);
    }
    throw error;
  }
}
