import { Argument, Command, InvalidArgumentError } from 'commander';
import { action } from './commands/command-kit';
import { registerConnectorTest } from './commands/connector-test';
import { registerDelegate } from './commands/delegate';
import { registerPipeline } from './commands/pipeline';
import { registerContext, registerLogin } from './commands/login';
import { registerResources } from './commands/resources';
import { registerSecret } from './commands/secret';
import { bashCompletion, zshCompletion } from './completion';
import { CliError, EXIT_CODES_HELP, ExitCode } from './errors';
import type { Io } from './io';
import { unreachable } from './api/api-client';

export { ExitCode } from './errors';
export type { Io } from './io';

export const CLI_VERSION = '0.1.0';

function parseUrl(value: string): string {
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) {
    throw new InvalidArgumentError('expected an http:// or https:// URL');
  }
  return value.replace(/\/$/, '');
}

const SETTINGS_HELP = `
Settings: each flag overrides the environment (CONDUIT_URL, CONDUIT_API_KEY, CONDUIT_CONTEXT, CONDUIT_ORG,
CONDUIT_PROJECT), which overrides the current context saved by conduit login in
$XDG_CONFIG_HOME/conduit/config.yaml (default ~/.config/conduit/config.yaml, mode 0600).
Without --org the scope is the account; --project needs --org.

${EXIT_CODES_HELP}`;

/** The `conduit` command line. Each command is a small function of its options, the session and an Io. */
export function buildProgram(io: Io, clock: { now: () => Date } = { now: () => new Date() }): Command {
  const program = new Command('conduit')
    .description('Conduit: connectors, secrets, delegates and pipelines from the command line')
    .version(CLI_VERSION)
    .option('--url <url>', 'control plane URL (default http://127.0.0.1:7420)', parseUrl)
    .option('--api-key <key>', 'API key (prefer conduit login or CONDUIT_API_KEY: a flag is visible to other users)')
    .option('--context <name>', 'use this saved context instead of the current one')
    .option('--org <org>', 'organization scope ("" for the account)')
    .option('--project <project>', 'project scope (with --org)')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .addHelpText('after', SETTINGS_HELP)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  program
    .command('status')
    .description('show whether the control plane is ready (database and queue reachable); needs no API key')
    .action(
      action(io, async (_args, { session }) => {
        const url = session.connection().url;
        let response: Response;
        try {
          response = await io.fetch(`${url}/readyz`);
        } catch (error) {
          throw unreachable(url, error);
        }
        const body = (await response.json()) as { status: string; info?: Record<string, { status: string }>; error?: Record<string, { status: string }> };
        const checks = { ...body.info, ...body.error };
        io.out(`${url}: ${response.ok ? 'ready' : 'not ready'}`);
        for (const [name, check] of Object.entries(checks)) io.out(`  ${name}: ${check.status}`);
        return response.ok ? ExitCode.Ok : ExitCode.Failure;
      }),
    );

  registerLogin(program, io);
  registerContext(program, io);

  program
    .command('apply')
    .description('create or update connectors, secrets (metadata only), pipelines and alert rules from YAML files; idempotent')
    .requiredOption('-f, --filename <path...>', 'a file, a directory (its .yaml/.yml files in name order) or - for stdin; repeatable')
    .option('--dry-run', 'show what would change, as a diff, and write nothing')
    .addHelpText(
      'after',
      `
Documents (several per file, separated by ---):
  connector:  a Harness connector document (name, identifier, orgIdentifier, projectIdentifier, type, spec)
  secret:     identifier, name, kind, description, tags — metadata only; values are never read from files
              (set them with conduit secret create); kind reference takes reference: {manager, path, key}
  pipeline:   a pipeline with pipeline.identifier
  alertRule:  identifier, name, condition {type: ConnectorStatusChange | DelegateDisconnected | PipelineFailed, …},
              notify (notification connector references), cooldown, enabled
Applied in order secrets, connectors, pipelines, alert rules; prints created|updated|unchanged KIND/ID for each.
A connector file that names orgIdentifier is applied there, everything else in the selected scope.
Nothing is written if any document is invalid. Exit code 1 if anything could not be applied.`,
    )
    .action(
      action<{ filename: string[]; dryRun?: boolean }>(io, async (_args, { session, options }) => {
        const { runApply } = await import('./apply/apply');
        return runApply(io, session.client(), options.filename, options.dryRun ?? false);
      }),
    );

  registerResources(program, io, clock.now);
  registerConnectorTest(program, io);
  registerSecret(program, io);
  registerDelegate(program, io, clock.now);
  registerPipeline(program, io, clock.now);

  program
    .command('completion')
    .description('print a shell completion script: source <(conduit completion bash)')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh']))
    .action(
      action<object, ['bash' | 'zsh']>(io, async ([shell]) => {
        const script = shell === 'bash' ? bashCompletion(program) : zshCompletion(program);
        io.out(script.trimEnd());
      }),
    );

  return program;
}

export { CliError };
