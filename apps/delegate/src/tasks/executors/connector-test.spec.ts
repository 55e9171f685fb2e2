import { TaskFailure } from '../executor';
import { connectorOperationExecutor } from './connector-test';

/** The executor's context without a runner: no secrets, progress and logs kept for the assertions. */
function run(payload: Record<string, unknown>) {
  const progress: string[] = [];
  const parsed = connectorOperationExecutor.payload.parse(payload);
  return {
    progress,
    result: connectorOperationExecutor.run({ payload: parsed, secrets: new Map(), signal: new AbortController().signal, log: () => undefined, progress: (stage, status) => progress.push(`${stage} ${status}`) }),
  };
}

const helm = { type: 'HttpHelmRepo', spec: { helmRepoUrl: 'http://127.0.0.1:9/charts', auth: { type: 'Anonymous' } } };

describe('connector.operation executor', () => {
  it.each(['constructor', 'toString', 'exec'])('refuses an operation the type does not define (%s) before any I/O', async (operation) => {
    const { result } = run({ ...helm, operation, input: {} });
    await expect(result).rejects.toEqual(new TaskFailure('OPERATION_NOT_SUPPORTED', `connector type 'HttpHelmRepo' has no operation '${operation}' in this delegate version`, { stage: 'validation' }));
  });

  it('validates the input again on the delegate, naming the field', async () => {
    const { result } = run({ ...helm, operation: 'list-charts', input: { chart: '' } });
    await expect(result).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^input\.chart: /), details: { stage: 'validation' } });
  });

  it('turns a check error of the operation into a task failure with its stage and hint', async () => {
    const { result } = run({ ...helm, operation: 'list-charts', input: {} });
    await expect(result).rejects.toMatchObject({ code: 'CONNECTION_REFUSED', details: { stage: 'connection', hint: expect.any(String) } });
  });
});
