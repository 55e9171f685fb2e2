import { connectorsLib } from '../connectors-lib';
import { z } from 'zod';
import { defineExecutor, TaskFailure } from '../executor';
import { asTaskFailure, operationContext } from './operation-context';

/**
 * Tests a connector from inside the private network: the type's own test (libs/connectors) walks the
 * authentication, connection and operation stages; a failure names its stage and what to do.
 */
export const connectorTestExecutor = defineExecutor({
  payload: z.object({ type: z.string().min(1).max(64), spec: z.record(z.string(), z.unknown()) }),
  async run(context) {
    const { payload } = context;
    const { getConnectorType } = await connectorsLib();
    const operations = getConnectorType(payload.type)?.operations;
    if (!operations) {
      throw new TaskFailure('TEST_NOT_SUPPORTED', `connector type '${payload.type}' has no connection test in this delegate version`, { stage: 'validation' });
    }
    const ctx = await operationContext(payload.spec, context);
    const outcome = await asTaskFailure(() => operations.test(ctx));
    return { output: { status: 'SUCCESS', message: outcome.message, ...(outcome.details ? { details: outcome.details } : {}) } };
  },
});
