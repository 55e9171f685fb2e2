import { z } from 'zod';
import { defineExecutor, TaskFailure } from '../executor';
import { TaskSecretValues } from '../secrets';

export const SecretResealPayload = z.object({
  /** The sealing context of the version to re-seal; its envelope comes as the task's secret. */
  secretId: z.string().min(1).max(600),
  version: z.number().int().positive(),
  targetGroups: z
    .array(z.object({ groupId: z.string().min(1).max(256), publicKey: z.string().min(1).max(512) }))
    .min(1)
    .max(64),
});

/**
 * Re-seals a secret version for more delegate groups: this delegate's group opens the data key and wraps
 * it for the target groups' public keys. The answer is the envelope with the added recipients (the
 * ciphertext is unchanged); the value itself never leaves, and the group key never reaches this code.
 */
export const secretResealExecutor = defineExecutor({
  payload: SecretResealPayload,
  async run({ payload, secrets, log }) {
    if (!(secrets instanceof TaskSecretValues)) {
      throw new TaskFailure('SECRET_NOT_PROVIDED', `secret ${payload.secretId} was not given to this task`, { stage: 'validation' });
    }
    const sealed = secrets.reseal(payload.secretId, payload.version, payload.targetGroups);
    const added = payload.targetGroups.map((g) => g.groupId);
    log('system', `re-sealed ${payload.secretId} version ${payload.version} for ${added.join(', ')}\n`);
    return { output: { secretId: payload.secretId, version: payload.version, added, sealed } };
  },
});
