import type { SecretPayload } from '@conduit/crypto';
import type { CheckStage, OperationContext } from './context';

/** An operation context for tests: records stages and log lines. A string secret is a `text` payload. */
export function testContext(spec: Record<string, unknown>, secrets: Record<string, string | SecretPayload> = {}) {
  const stages: Array<{ stage: CheckStage; ok: boolean }> = [];
  const logs: string[] = [];
  const ctx: OperationContext = {
    spec,
    secrets: new Map<string, SecretPayload>(Object.entries(secrets).map(([ref, value]) => [ref, typeof value === 'string' ? { kind: 'text', value } : value])),
    signal: new AbortController().signal,
    log: (text) => logs.push(text),
    async stage(stage, run) {
      try {
        const result = await run();
        stages.push({ stage, ok: true });
        return result;
      } catch (error) {
        stages.push({ stage, ok: false });
        throw error;
      }
    },
  };
  return { ctx, stages, logs };
}
