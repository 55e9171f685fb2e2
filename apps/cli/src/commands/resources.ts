import { Argument, Command, Option } from 'commander';
import { ApiClient } from '../api/api-client';
import type { AlertFiringView, AlertRuleView, ConnectorView, DelegateView, Page, PipelineView, SecretView, TaskEventView, TaskView } from '../api/views';
import type { Io } from '../io';
import { columnsFor } from '../output/columns';
import { renderDocument, renderList, type OutputFormat } from '../output/format';
import { action, outputOption } from './command-kit';

const LISTABLE = ['connectors', 'secrets', 'pipelines', 'alert-rules', 'delegates', 'tasks'] as const;
type Listable = (typeof LISTABLE)[number];

const scopeName = (client: ApiClient) => (client.scope.project ? `project '${client.scope.org}/${client.scope.project}'` : client.scope.org ? `organization '${client.scope.org}'` : 'the account');

/** Every page of a cursor-paginated list. */
async function allPages<T>(client: ApiClient, route: string, limit: number): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.request<Page<T>>('GET', route, { query: { limit, cursor } });
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export async function listResources(client: ApiClient, kind: Listable, options: { includeParents?: boolean; limit?: number }): Promise<unknown[]> {
  switch (kind) {
    case 'connectors':
      return allPages<ConnectorView>(client, `/v1/connectors${options.includeParents ? '?includeParentScopes=true' : ''}`, 200);
    case 'secrets':
      return (await client.request<Page<SecretView>>('GET', '/v1/secrets', { query: { includeParentScopes: options.includeParents ? 'true' : undefined } })).items;
    case 'pipelines':
      return (await client.request<Page<PipelineView>>('GET', '/v1/pipelines')).items;
    case 'alert-rules':
      return (await client.request<Page<AlertRuleView>>('GET', '/v1/alert-rules')).items;
    case 'delegates':
      return (await client.request<Page<DelegateView>>('GET', '/v1/delegates', { scoped: false })).items;
    case 'tasks':
      return (await client.request<Page<TaskView>>('GET', '/v1/tasks', { query: { limit: options.limit ?? 50 } })).items;
  }
}

export function registerResources(program: Command, io: Io, now: () => Date): void {
  program
    .command('get')
    .description('list connectors, secrets (metadata only), pipelines, alert rules, delegates or recent tasks')
    .addArgument(new Argument('<kind>', 'what to list').choices(LISTABLE))
    .addOption(outputOption())
    .option('--include-parents', 'connectors and secrets: also those of the scopes above (org, account)')
    .addOption(new Option('--limit <n>', 'tasks: how many of the most recent').argParser((v) => Number.parseInt(v, 10)))
    .addHelpText('after', '\nExamples:\n  conduit get connectors\n  conduit get secrets --org eng -o yaml\n  conduit get tasks --limit 10 -o json')
    .action(
      action<{ output: OutputFormat; includeParents?: boolean; limit?: number }, [Listable]>(io, async ([kind], { session, options }) => {
        const client = session.client();
        const items = await listResources(client, kind, options);
        const columns = columnsFor(now())[kind] as Parameters<typeof renderList>[2];
        const scoped = kind !== 'delegates';
        renderList(items, options.output, columns, `no ${kind}${scoped ? ` in ${scopeName(client)}` : ''}`).forEach((l) => io.out(l));
      }),
    );

  program
    .command('describe')
    .description('show one connector, secret (metadata and versions, never the value), pipeline, alert rule (with its recent firings) or task in full')
    .addArgument(new Argument('<kind>', 'what to show').choices(['connector', 'secret', 'pipeline', 'alert-rule', 'task']))
    .argument('<ref>', "reference ('x', 'org.x', 'account.x'), pipeline or alert rule identifier, or task id")
    .addOption(outputOption('yaml').choices(['yaml', 'json']))
    .action(
      action<{ output: 'yaml' | 'json' }, ['connector' | 'secret' | 'pipeline' | 'alert-rule' | 'task', string]>(io, async ([kind, ref], { session, options }) => {
        const client = session.client();
        const id = encodeURIComponent(ref);
        let document: unknown;
        switch (kind) {
          case 'connector':
            document = await client.request<ConnectorView>('GET', `/v1/connectors/${id}`);
            break;
          case 'secret':
            document = await client.request<SecretView>('GET', `/v1/secrets/${id}`);
            break;
          case 'pipeline': {
            const pipeline = await client.request<PipelineView>('GET', `/v1/pipelines/${id}`);
            if (options.output === 'yaml') {
              const { yaml, ...metadata } = pipeline;
              renderDocument(metadata, 'yaml').forEach((l) => io.out(`# ${l}`));
              (yaml ?? '').replace(/\n$/, '').split('\n').forEach((l) => io.out(l));
              return;
            }
            document = pipeline;
            break;
          }
          case 'alert-rule': {
            const rule = await client.request<AlertRuleView>('GET', `/v1/alert-rules/${id}`);
            const firings = await client.request<Page<AlertFiringView>>('GET', `/v1/alert-rules/${id}/firings`, { query: { limit: 10 } });
            document = { ...rule, firings: firings.items };
            break;
          }
          case 'task': {
            const task = await client.request<TaskView>('GET', `/v1/tasks/${id}`, { scoped: false });
            const events = await client.request<Page<TaskEventView>>('GET', `/v1/tasks/${id}/events`, { scoped: false });
            document = { ...task, events: events.items };
            break;
          }
        }
        renderDocument(document, options.output).forEach((l) => io.out(l));
      }),
    );

  program
    .command('delete')
    .description('delete a connector, secret, pipeline or alert rule')
    .addArgument(new Argument('<kind>', 'what to delete').choices(['connector', 'secret', 'pipeline', 'alert-rule']))
    .argument('<ref>', "reference ('x', 'org.x', 'account.x'), pipeline or alert rule identifier")
    .option('--force', 'connectors and secrets: delete even when something still uses it')
    .action(
      action<{ force?: boolean }, ['connector' | 'secret' | 'pipeline' | 'alert-rule', string]>(io, async ([kind, ref], { session, options }) => {
        const client = session.client();
        const route = { connector: '/v1/connectors', secret: '/v1/secrets', pipeline: '/v1/pipelines', 'alert-rule': '/v1/alert-rules' }[kind];
        const forcible = kind === 'connector' || kind === 'secret';
        await client.request('DELETE', `${route}/${encodeURIComponent(ref)}`, { query: { force: forcible && options.force ? 'true' : undefined } });
        io.out(`deleted ${kind}/${ref}`);
      }),
    );
}
