/** Exit codes, documented in `conduit --help`: scripts rely on them. */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2, Unreachable: 3, Interrupted: 130 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export const EXIT_CODES_HELP = `Exit codes:
  0  ok (connector test: SUCCESS; pipeline run --follow: the run succeeded)
  1  the operation failed: the API refused it, a test failed, apply left something unapplied,
     a followed pipeline run failed or was aborted
  2  usage error: bad arguments, no API key or context configured
  3  the control plane could not be reached
  130  interrupted (Ctrl-C); pipeline run --follow cancels the run first`;

/** A failure meant for the person at the terminal: a message in plain words and the exit code it implies. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Failure,
  ) {
    super(message);
  }

  static usage(message: string): CliError {
    return new CliError(message, ExitCode.Usage);
  }
}
