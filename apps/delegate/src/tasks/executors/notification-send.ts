import { z } from 'zod';
import { connectorsLib } from '../connectors-lib';
import { defineExecutor } from '../executor';
import { asTaskFailure, operationContext } from './operation-context';

const Message = z.object({
  title: z.string().min(1).max(256),
  text: z.string().max(4096),
  severity: z.enum(['critical', 'error', 'warning', 'info']),
  dedupKey: z.string().min(1).max(255),
  source: z.string().min(1).max(256),
  facts: z.record(z.string().max(64), z.string().max(1024)),
});

/**
 * Sends an alert through a notification connector from inside the network that reaches it: the sender
 * (libs/connectors) gets the connector's rendered spec and the secrets opened here, masked in all output.
 */
export const notificationSendExecutor = defineExecutor({
  payload: z.object({ type: z.string().min(1).max(64), spec: z.record(z.string(), z.unknown()), message: Message }),
  async run(context) {
    const { payload } = context;
    const { sendNotification } = await connectorsLib();
    const ctx = await operationContext(payload.spec, context);
    const receipt = await asTaskFailure(() => sendNotification(payload.type, ctx, payload.message));
    return { output: { message: receipt.message, details: receipt.details } };
  },
});
