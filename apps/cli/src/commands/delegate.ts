import { Command } from 'commander';
import type { DelegateView, Page } from '../api/views';
import type { Io } from '../io';
import { columnsFor } from '../output/columns';
import { renderDocument, renderList, renderTable, type OutputFormat } from '../output/format';
import { action, outputOption } from './command-kit';

interface CreatedToken {
  id: string;
  name: string;
  token: string;
  install: { docker: string; helm: string; node: string };
}

export function registerDelegate(program: Command, io: Io, now: () => Date): void {
  const delegate = program.command('delegate').description('delegates and the tokens they connect with');

  delegate
    .command('list')
    .description('list the delegates of the account with their status')
    .addOption(outputOption())
    .action(
      action<{ output: OutputFormat }>(io, async (_args, { session, options }) => {
        const items = (await session.client().request<Page<DelegateView>>('GET', '/v1/delegates', { scoped: false })).items;
        renderList(items, options.output, columnsFor(now()).delegates, 'no delegates yet: create a token with conduit delegate token create NAME and run one').forEach((l) => io.out(l));
      }),
    );

  const token = delegate.command('token').description('delegate tokens');

  token
    .command('create')
    .description('create a delegate token (in the selected scope) and print it with ready-to-run install commands; it is shown only once')
    .argument('<name>', 'a name for the token')
    .addOption(outputOption('table').choices(['table', 'json', 'yaml']))
    .action(
      action<{ output: OutputFormat }, [string]>(io, async ([name], { session, options }) => {
        const created = await session.client().request<CreatedToken>('POST', '/v1/delegate-tokens', { json: { name } });
        if (options.output !== 'table') {
          renderDocument(created, options.output).forEach((l) => io.out(l));
          return;
        }
        io.out(`token ${created.name} (id ${created.id}), shown only now; keep it like a password:`);
        io.out('');
        io.out(`  ${created.token}`);
        io.out('');
        io.out('Run a delegate with it:');
        io.out(`  docker: ${created.install.docker}`);
        io.out(`  helm:   ${created.install.helm}`);
        io.out(`  node:   ${created.install.node}`);
      }),
    );

  token
    .command('list')
    .description('list delegate tokens (never their values)')
    .addOption(outputOption())
    .action(
      action<{ output: OutputFormat }>(io, async (_args, { session, options }) => {
        const items = (await session.client().request<Page<{ id: string; name: string; createdAt: string; revokedAt: string | null }>>('GET', '/v1/delegate-tokens', { scoped: false })).items;
        if (options.output !== 'table') return void renderDocument(items, options.output).forEach((l) => io.out(l));
        renderTable(
          items,
          [
            { header: 'id', value: (t) => t.id },
            { header: 'name', value: (t) => t.name },
            { header: 'created', value: (t) => t.createdAt },
            { header: 'revoked', value: (t) => t.revokedAt ?? '-' },
          ],
          'no delegate tokens',
        ).forEach((l) => io.out(l));
      }),
    );

  token
    .command('revoke')
    .description('revoke a delegate token: delegates using it are drained and cannot connect again')
    .argument('<id>', 'the token id (conduit delegate token list)')
    .action(
      action<object, [string]>(io, async ([id], { session }) => {
        const revoked = await session.client().request<{ id: string; revokedAt: string }>('POST', `/v1/delegate-tokens/${encodeURIComponent(id)}/revoke`, { scoped: false });
        io.out(`revoked delegate token ${revoked.id} at ${revoked.revokedAt}`);
      }),
    );
}
