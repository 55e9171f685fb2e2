import type { SecretPayload } from '@conduit/crypto';
import { renderSpecExpressions } from '@conduit/connectors';
import { TaskFailure } from '../executor';
import { secretValue } from './echo';

/**
 * A connector spec with its `<+secrets.getValue("x")>` expressions replaced by the task's opened secrets.
 * The values were registered with the task's masker before this runs, so they never leave unmasked.
 */
export function renderedSpec(spec: Record<string, unknown>, secrets: ReadonlyMap<string, SecretPayload>): Record<string, unknown> {
  return renderSpecExpressions(spec, (ref) => {
    const secret = secrets.get(ref);
    if (!secret) throw new TaskFailure('SECRET_NOT_PROVIDED', `the connector uses secret '${ref}', which this task was not given`, { stage: 'authentication' });
    return secretValue(secret);
  });
}
