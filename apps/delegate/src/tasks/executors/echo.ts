import { z } from 'zod';
import { secretPayloadText } from '@conduit/crypto';
import { parseSecretExpressions, renderSecretExpressions } from '@conduit/pipeline/expressions';
import { defineExecutor, TaskFailure } from '../executor';

export const MAX_ECHO_BYTES = 64 * 1024;

/**
 * Writes payload.text to stdout with its `<+secrets.getValue("ref")>` expressions rendered from the task's
 * secrets, and returns it as output. It exists so tests can prove that secret values leave masked.
 */
export const echoExecutor = defineExecutor({
  payload: z.object({
    text: z
      .string()
      .refine((text) => Buffer.byteLength(text, 'utf8') <= MAX_ECHO_BYTES, `must be at most ${MAX_ECHO_BYTES} bytes`)
      .superRefine((text, ctx) => {
        for (const error of parseSecretExpressions(text).errors) {
          ctx.addIssue({ code: 'custom', message: `line ${error.line}, column ${error.column}: ${error.message}` });
        }
      }),
  }),
  async run({ payload, secrets, log }) {
    const text = renderSecretExpressions(payload.text, ({ ref }) => {
      const secret = secrets.get(ref);
      if (secret === undefined) {
        const given = [...secrets.keys()].map((r) => `'${r}'`).join(', ') || 'none';
        throw new TaskFailure(
          'SECRET_NOT_PROVIDED',
          `text uses secret '${ref}', which this task was not given (given: ${given})`,
        );
      }
      return secretPayloadText(secret);
    });
    log('stdout', text);
    return { output: { text } };
  },
});
