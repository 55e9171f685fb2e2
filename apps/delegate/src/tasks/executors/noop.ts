import { z } from 'zod';
import { defineExecutor } from '../executor';

/** Does nothing: measures the dispatch path itself. */
export const noopExecutor = defineExecutor({
  payload: z.record(z.string(), z.unknown()),
  run: async () => ({ output: { ok: true } }),
});
