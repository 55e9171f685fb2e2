import { TaskKind } from '@conduit/protocol';
import type { TaskExecutor } from '../executor';
import { InheritableEnvironment, TaskSecretValues } from '../secrets';
import { connectorOperationExecutor, connectorTestExecutor } from './connector-test';
import { echoExecutor } from './echo';
import { pipelineCiExecutor } from './pipeline-ci';
import { pipelineDeployExecutor } from './pipeline-deploy';
import { noopExecutor } from './noop';
import { notificationSendExecutor } from './notification-send';
import { secretResealExecutor } from './secret-reseal';
import { sleepExecutor } from './sleep';

export type ExecutorRegistry = ReadonlyMap<string, TaskExecutor<unknown>>;

/**
 * Reads the task's external secret references (on this delegate, with each manager connector's own
 * credentials or the ones it inherits from the delegate's environment) before the executor runs, so every
 * executor sees resolved values that are already registered with the task's masker. Reported as the
 * `resolution` stage.
 */
export function resolvingExternalSecrets<P>(executor: TaskExecutor<P>, environment: InheritableEnvironment): TaskExecutor<P> {
  return {
    payload: executor.payload,
    async run(ctx) {
      const { secrets } = ctx;
      if (secrets instanceof TaskSecretValues && secrets.unresolved.length > 0) {
        ctx.progress('resolution', 'started');
        let unmaskable: string[];
        try {
          unmaskable = await secrets.resolveReferences({ signal: ctx.signal, environment });
        } catch (error) {
          ctx.progress('resolution', 'failed', error instanceof Error ? error.message : undefined);
          throw error;
        }
        ctx.progress('resolution', 'succeeded');
        for (const ref of unmaskable) ctx.log('system', `warning: secret '${ref}' is too short to be masked in output\n`);
      }
      return executor.run({ ...ctx, environment });
    },
  };
}

const kinds: Array<[string, TaskExecutor<unknown>]> = [
  [TaskKind.Noop, noopExecutor],
  [TaskKind.Sleep, sleepExecutor],
  [TaskKind.SleepMutating, sleepExecutor],
  [TaskKind.Echo, echoExecutor],
  [TaskKind.ConnectorTest, connectorTestExecutor],
  [TaskKind.ConnectorOperation, connectorOperationExecutor],
  [TaskKind.PipelineCi, pipelineCiExecutor],
  [TaskKind.PipelineDeploy, pipelineDeployExecutor],
  [TaskKind.SecretReseal, secretResealExecutor],
  [TaskKind.NotificationSend, notificationSendExecutor],
];

/** Kinds that run the user's shell commands: declared only when DELEGATE_ALLOW_SHELL is on. */
const SHELL_KINDS: ReadonlySet<string> = new Set([TaskKind.PipelineCi]);

/**
 * The task kinds this delegate implements (exactly these are declared in hello), given the variables a
 * manager connector may inherit from the delegate's environment, and whether shell steps are allowed.
 */
export function executorRegistry(environment: InheritableEnvironment, options: { allowShell: boolean }): ExecutorRegistry {
  return new Map(
    kinds.filter(([kind]) => options.allowShell || !SHELL_KINDS.has(kind)).map(([kind, executor]) => [kind, resolvingExternalSecrets(executor, environment)]),
  );
}
