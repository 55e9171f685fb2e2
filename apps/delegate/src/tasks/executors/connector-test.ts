import type { CheckStage, OperationContext } from '@conduit/connectors';
import { connectorsLib } from '../connectors-lib';
import { z } from 'zod';
import { defineExecutor, TaskFailure } from '../executor';
import { renderedSpec } from './spec-expressions';

/**
 * Tests a connector from inside the private network: the type's own test (libs/connectors) walks the
 * authentication, connection and operation stages; a failure names its stage and what to do.
 */
export const connectorTestExecutor = defineExecutor({
  payload: z.object({ type: z.string().min(1).max(64), spec: z.record(z.string(), z.unknown()) }),
  async run({ payload, secrets, signal, log, progress }) {
    const { ConnectorCheckError, getConnectorType } = await connectorsLib();
    const definition = getConnectorType(payload.type);
    if (!definition?.operations) {
      throw new TaskFailure('TEST_NOT_SUPPORTED', `connector type '${payload.type}' has no connection test in this delegate version`, { stage: 'validation' });
    }
    const ctx: OperationContext = {
      spec: await renderedSpec(payload.spec, secrets),
      secrets,
      signal,
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
    try {
      const outcome = await definition.operations.test(ctx);
      return { output: { status: 'SUCCESS', message: outcome.message, ...(outcome.details ? { details: outcome.details } : {}) } };
    } catch (error) {
      if (error instanceof ConnectorCheckError) {
        throw new TaskFailure(error.code, error.message, { stage: error.stage, ...(error.hint ? { hint: error.hint } : {}) }, error.details);
      }
      throw error;
    }
  },
});
