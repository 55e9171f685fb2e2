import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { ApiClient } from '../api/api-client';
import { CliError } from '../errors';
import type { Io } from '../io';
import { renderTable } from '../output/format';
import { action } from './command-kit';

export function registerLogin(program: Command, io: Io): void {
  program
    .command('login')
    .description('check an API key against a control plane and save it as a context (the config file is mode 0600)')
    .option('--api-key-file <file>', 'read the API key from a file (safer than --api-key, which other users may see in the process list)')
    .addHelpText('after', '\nExamples:\n  conduit login --url https://conduit.example.com --api-key-file ~/.conduit-key\n  conduit login --context staging --url https://staging.example.com --api-key-file key --org eng')
    .action(
      action<{ apiKeyFile?: string }>(io, async (_args, { session, options, globals }) => {
        const url = (globals.url ?? io.env['CONDUIT_URL'])?.replace(/\/$/, '');
        if (!url) throw CliError.usage('login needs --url URL of the control plane');
        let apiKey = globals.apiKey ?? io.env['CONDUIT_API_KEY'];
        if (options.apiKeyFile) {
          try {
            apiKey = (options.apiKeyFile === '-' ? (await io.readStdin()).toString('utf8') : readFileSync(options.apiKeyFile, 'utf8')).trim();
          } catch (error) {
            throw CliError.usage(`cannot read --api-key-file ${options.apiKeyFile}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
          }
        }
        if (!apiKey) throw CliError.usage('login needs --api-key-file FILE (or --api-key KEY, or CONDUIT_API_KEY)');
        const org = globals.org || undefined;
        const project = globals.project || undefined;
        if (project && !org) throw CliError.usage('--project needs --org');

        const client = new ApiClient(io.fetch, url, apiKey, {});
        const orgs = await client.request<{ account: string; items: Array<{ identifier: string }> }>('GET', '/v1/organizations', { scoped: false });
        if (org && !orgs.items.some((o) => o.identifier === org)) {
          throw new CliError(`organization '${org}' not found in account '${orgs.account}' (or not visible to this key); known: ${orgs.items.map((o) => o.identifier).join(', ') || 'none'}`);
        }
        const config = session.loadConfig();
        const name = globals.context ?? config.currentContext ?? 'default';
        if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw CliError.usage(`--context ${name}: context names are letters, digits and _ . -`);
        config.contexts[name] = { url, apiKey, account: orgs.account, ...(org ? { org } : {}), ...(project ? { project } : {}) };
        config.currentContext = name;
        session.store.save(config);
        io.out(`logged in to ${url} (account '${orgs.account}'${org ? `, org '${org}'` : ''}${project ? `, project '${project}'` : ''}) as context '${name}'`);
        io.out(`saved to ${session.store.file}`);
      }),
    );
}

export function registerContext(program: Command, io: Io): void {
  const context = program.command('context').description('contexts: saved control planes and default scopes (see conduit login)');

  context
    .command('list')
    .description('list the saved contexts; * marks the current one')
    .action(
      action(io, async (_args, { session }) => {
        const config = session.loadConfig();
        const rows = Object.entries(config.contexts).map(([name, c]) => ({ name, ...c }));
        const lines = renderTable(
          rows,
          [
            { header: 'current', value: (r) => (r.name === config.currentContext ? '*' : '') },
            { header: 'name', value: (r) => r.name },
            { header: 'url', value: (r) => r.url },
            { header: 'account', value: (r) => r.account },
            { header: 'org', value: (r) => r.org ?? '-' },
            { header: 'project', value: (r) => r.project ?? '-' },
          ],
          'no contexts yet: run conduit login --url URL --api-key-file FILE',
        );
        lines.forEach((l) => io.out(l));
      }),
    );

  context
    .command('use')
    .description('make a context the current one')
    .argument('<name>', 'context name')
    .action(
      action<object, [string]>(io, async ([name], { session }) => {
        const config = session.loadConfig();
        if (!config.contexts[name]) throw CliError.usage(`no context '${name}'; known: ${Object.keys(config.contexts).join(', ') || 'none'}`);
        config.currentContext = name;
        session.store.save(config);
        io.out(`current context: ${name}`);
      }),
    );

  context
    .command('set')
    .description('change the default scope of a context (the current one unless named): --org ORG --project PROJECT; --org "" for the account')
    .argument('[name]', 'context name (default: the current context)')
    .action(
      action<object, [string | undefined]>(io, async ([name], { session, globals }) => {
        const config = session.loadConfig();
        const target = name ?? config.currentContext;
        const entry = target ? config.contexts[target] : undefined;
        if (!target || !entry) throw CliError.usage(target ? `no context '${target}'` : 'no current context: run conduit login first');
        if (globals.org === undefined && globals.project === undefined) throw CliError.usage('context set needs --org and/or --project');
        if (globals.org !== undefined) {
          if (globals.org) entry.org = globals.org;
          else delete entry.org;
          if (globals.project === undefined) delete entry.project;
        }
        if (globals.project !== undefined) {
          if (globals.project) entry.project = globals.project;
          else delete entry.project;
        }
        if (entry.project && !entry.org) throw CliError.usage('--project needs --org (a project lives in an organization)');
        session.store.save(config);
        io.out(`context '${target}': ${entry.org ? `org '${entry.org}'` : 'account scope'}${entry.project ? `, project '${entry.project}'` : ''}`);
      }),
    );
}
