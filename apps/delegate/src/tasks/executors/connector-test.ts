import type { CheckOutcome, ConnectorOperations, OperationContext } from '@conduit/connectors';
import { z } from 'zod';
import { connectorsLib } from '../connectors-lib';
import { defineExecutor, ExecutorContext, TaskFailure } from '../executor';
import { asTaskFailure, operationContext } from './operation-context';

const connectorPayload = { type: z.string().min(1).max(64), spec: z.record(z.string(), z.unknown()) };

/** Runs `work` with the operations of the task's connector type and a context for its connector. */
async function withConnector(
  context: ExecutorContext<{ type: string; spec: Record<string, unknown> }>,
  work: (operations: ConnectorOperations, ctx: OperationContext) => Promise<CheckOutcome>,
): Promise<CheckOutcome> {
  const { payload } = context;
  const { getConnectorType } = await connectorsLib();
  const operations = getConnectorType(payload.type)?.operations;
  if (!operations) {
    throw new TaskFailure('TEST_NOT_SUPPORTED', `connector type '${payload.type}' has no connection test in this delegate version`, { stage: 'validation' });
  }
  const ctx = await operationContext(payload.spec, context);
  return asTaskFailure(() => work(operations, ctx));
}

/**
 * Tests a connector from inside the private network: the type's own test (libs/connectors) walks the
 * authentication, connection and operation stages; a failure names its stage and what to do.
 */
export const connectorTestExecutor = defineExecutor({
  payload: z.object(connectorPayload),
  async run(context) {
    const outcome = await withConnector(context, (operations, ctx) => operations.test(ctx));
    return { output: { status: 'SUCCESS', message: outcome.message, ...(outcome.details ? { details: outcome.details } : {}) } };
  },
});

/**
 * Runs one named operation of a connector (libs/connectors `actions`). The input was validated by the
 * control plane; it is validated again here against this delegate's own version of the operation.
 */
export const connectorOperationExecutor = defineExecutor({
  payload: z.object({ ...connectorPayload, operation: z.string().min(1).max(64), input: z.record(z.string(), z.unknown()) }),
  async run(context) {
    const { operation, type } = context.payload;
    const outcome = await withConnector(context, async (operations, ctx) => {
      // Own properties only: an operation named like an Object method must not reach the prototype.
      const action = operations.actions && Object.hasOwn(operations.actions, operation) ? operations.actions[operation] : undefined;
      if (!action) throw new TaskFailure('OPERATION_NOT_SUPPORTED', `connector type '${type}' has no operation '${operation}' in this delegate version`, { stage: 'validation' });
      const input = action.input.safeParse(context.payload.input);
      if (!input.success) {
        const issue = input.error.issues[0];
        throw new TaskFailure('INVALID_INPUT', `input${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`, { stage: 'validation' });
      }
      return action.run(ctx, input.data);
    });
    return { output: { operation, message: outcome.message, result: outcome.details ?? {} } };
  },
});
