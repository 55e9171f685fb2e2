import { TaskKind } from '@conduit/protocol';
import type { TaskExecutor } from '../executor';
import { connectorTestExecutor } from './connector-test';
import { echoExecutor } from './echo';
import { noopExecutor } from './noop';
import { sleepExecutor } from './sleep';

export type ExecutorRegistry = ReadonlyMap<string, TaskExecutor<unknown>>;

/** The task kinds this delegate implements; exactly these are declared in hello. */
export const EXECUTORS: ExecutorRegistry = new Map<string, TaskExecutor<unknown>>([
  [TaskKind.Noop, noopExecutor],
  [TaskKind.Sleep, sleepExecutor],
  [TaskKind.SleepMutating, sleepExecutor],
  [TaskKind.Echo, echoExecutor],
  [TaskKind.ConnectorTest, connectorTestExecutor],
]);
