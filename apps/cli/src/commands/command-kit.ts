import { Command, Option } from 'commander';
import { CliError, ExitCode } from '../errors';
import type { Io } from '../io';
import { OUTPUT_FORMATS, type OutputFormat } from '../output/format';
import { Session, type GlobalOptions } from '../session';

export interface Invocation<O> {
  session: Session;
  options: O;
  globals: GlobalOptions;
  command: Command;
}

/**
 * A commander action that turns CliErrors into their message and exit code; anything else is a bug and
 * propagates. `fn` answers the exit code (Ok when it answers nothing).
 */
export function action<O, A extends unknown[] = []>(io: Io, fn: (args: A, invocation: Invocation<O>) => Promise<ExitCode | void>) {
  return async (...raw: unknown[]): Promise<void> => {
    const command = raw[raw.length - 1] as Command;
    const args = raw.slice(0, command.registeredArguments.length) as A;
    const globals = command.optsWithGlobals<GlobalOptions>();
    try {
      const code = await fn(args, { session: new Session(io, globals), options: command.opts() as O, globals, command });
      process.exitCode = code ?? ExitCode.Ok;
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      io.err(error.message);
      process.exitCode = error.exitCode;
    }
  };
}

export const outputOption = (fallback: OutputFormat = 'table') =>
  new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default(fallback);

/** `--tag key=value` (repeatable) into a tag map. */
export function collectTag(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const at = value.indexOf('=');
  const [key, tagValue] = at < 0 ? [value, ''] : [value.slice(0, at), value.slice(at + 1)];
  if (!key) throw CliError.usage(`--tag ${value}: use key=value`);
  return { ...previous, [key]: tagValue };
}
