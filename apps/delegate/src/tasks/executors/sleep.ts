import { z } from 'zod';
import { abortableDelay, defineExecutor } from '../executor';

export const MAX_SLEEP_MS = 600_000;

/** Waits payload.ms; for tests of leases, renewals, cancel, timeouts and failover. */
export const sleepExecutor = defineExecutor({
  payload: z.object({ ms: z.number().int().min(0).max(MAX_SLEEP_MS) }),
  async run({ payload, signal, log }) {
    log('stdout', `sleeping ${payload.ms} ms\n`);
    await abortableDelay(payload.ms, signal);
    return { output: { sleptMs: payload.ms } };
  },
});
