import { Command, InvalidArgumentError } from 'commander';

export const CLI_VERSION = '0.1.0';

function parseUrl(value: string): string {
  if (!/^https?:\/\//.test(value) || !URL.canParse(value)) {
    throw new InvalidArgumentError('expected an http:// or https:// URL');
  }
  return value.replace(/\/$/, '');
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  fetch: typeof fetch;
}

/** Exit codes, documented in `conduit --help`: scripts rely on them. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2, Unreachable: 3 } as const;

/** The `conduit` command line. Commands grow here; each is a small function of its options and an Io. */
export function buildProgram(io: Io): Command {
  const program = new Command('conduit')
    .description('Conduit: connectors, secrets, delegates and pipelines from the command line')
    .version(CLI_VERSION)
    .option('--url <url>', 'control plane URL', parseUrl, process.env['CONDUIT_URL'] ?? 'http://127.0.0.1:7420')
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) })
    .addHelpText('after', '\nExit codes: 0 ok, 1 operation failed, 2 usage error, 3 control plane unreachable.')
    .exitOverride();

  program
    .command('status')
    .description('show whether the control plane is ready (database and queue reachable)')
    .action(async () => {
      const url = program.opts<{ url: string }>().url;
      let response: Response;
      try {
        response = await io.fetch(`${url}/readyz`);
      } catch (error) {
        io.err(`cannot reach the control plane at ${url}: ${(error as Error).message}`);
        process.exitCode = ExitCode.Unreachable;
        return;
      }
      const body = (await response.json()) as { status: string; info?: Record<string, { status: string }>; error?: Record<string, { status: string }> };
      const checks = { ...body.info, ...body.error };
      io.out(`${url}: ${response.ok ? 'ready' : 'not ready'}`);
      for (const [name, check] of Object.entries(checks)) io.out(`  ${name}: ${check.status}`);
      process.exitCode = response.ok ? ExitCode.Ok : ExitCode.Failure;
    });

  return program;
}
