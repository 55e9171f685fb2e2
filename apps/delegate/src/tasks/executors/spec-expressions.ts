import { secretPayloadText, type SecretPayload } from '@conduit/crypto';
import { connectorsLib } from '../connectors-lib';
import { TaskFailure } from '../executor';

/**
 * A connector spec with its `<+secrets.getValue("x")>` expressions replaced by the task's opened secrets.
 * The values were registered with the task's masker before this runs, so they never leave unmasked.
 */
export async function renderedSpec(spec: Record<string, unknown>, secrets: ReadonlyMap<string, SecretPayload>): Promise<Record<string, unknown>> {
  const { renderSpecExpressions } = await connectorsLib();
  return renderSpecExpressions(spec, (ref) => {
    const secret = secrets.get(ref);
    if (!secret) throw new TaskFailure('SECRET_NOT_PROVIDED', `the connector uses secret '${ref}', which this task was not given`, { stage: 'authentication' });
    return secretPayloadText(secret);
  });
}
