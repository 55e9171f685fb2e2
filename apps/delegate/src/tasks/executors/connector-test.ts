import type { CheckOutcome, CheckStage, ConnectorOperations, OperationContext } from '@conduit/connectors';
import { connectorsLib } from '../connectors-lib';
import { z } from 'zod';
import { defineExecutor, ExecutorContext, TaskFailure } from '../executor';
import { renderedSpec } from './spec-expressions';

const connectorPayload = { type: z.string().min(1).max(64), spec: z.record(z.string(), z.unknown()) };

/**
 * Runs `work` with an operation context for the task's connector, its failures turned into task failures
 * naming the stage and what to do.
 */
async function withConnector(
  ctx: ExecutorContext<{ type: string; spec: Record<string, unknown> }>,
  work: (operations: ConnectorOperations, opCtx: OperationContext) => Promise<CheckOutcome>,
): Promise<CheckOutcome> {
  const { payload, secrets, signal, log, progress } = ctx;
  const { ConnectorCheckError, getConnectorType } = await connectorsLib();
  const definition = getConnectorType(payload.type);
  if (!definition?.operations) {
    throw new TaskFailure('TEST_NOT_SUPPORTED', `connector type '${payload.type}' has no connection test in this delegate version`, { stage: 'validation' });
  }
  const opCtx: OperationContext = {
    spec: await renderedSpec(payload.spec, secrets),
    secrets,
    signal,
    ...(ctx.environment ? { environment: ctx.environment } : {}),
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
    return await work(definition.operations, opCtx);
  } catch (error) {
    if (error instanceof ConnectorCheckError) {
      throw new TaskFailure(error.code, error.message, { stage: error.stage, ...(error.hint ? { hint: error.hint } : {}) }, error.details);
    }
    throw error;
  }
}

/**
 * Tests a connector from inside the private network: the type's own test (libs/connectors) walks the
 * authentication, connection and operation stages; a failure names its stage and what to do.
 */
export const connectorTestExecutor = defineExecutor({
  payload: z.object(connectorPayload),
  async run(ctx) {
    const outcome = await withConnector(ctx, (operations, opCtx) => operations.test(opCtx));
    return { output: { status: 'SUCCESS', message: outcome.message, ...(outcome.details ? { details: outcome.details } : {}) } };
  },
});

/**
 * Runs one named operation of a connector (libs/connectors `actions`). The input was validated by the
 * control plane; it is validated again here against this delegate's own version of the operation.
 */
export const connectorOperationExecutor = defineExecutor({
  payload: z.object({ ...connectorPayload, operation: z.string().min(1).max(64), input: z.record(z.string(), z.unknown()) }),
  async run(ctx) {
    const { operation, type } = ctx.payload;
    const outcome = await withConnector(ctx, async (operations, opCtx) => {
      // Own properties only: an operation named like an Object method must not reach the prototype.
      const action = operations.actions && Object.hasOwn(operations.actions, operation) ? operations.actions[operation] : undefined;
      if (!action) throw new TaskFailure('OPERATION_NOT_SUPPORTED', `connector type '${type}' has no operation '${operation}' in this delegate version`, { stage: 'validation' });
      const input = action.input.safeParse(ctx.payload.input);
      if (!input.success) {
        const issue = input.error.issues[0];
        throw new TaskFailure('INVALID_INPUT', `input${issue?.path.length ? `.${issue.path.join('.')}` : ''}: ${issue?.message ?? 'invalid'}`, { stage: 'validation' });
      }
      return action.run(opCtx, input.data);
    });
    return { output: { operation, message: outcome.message, result: outcome.details ?? {} } };
  },
});
