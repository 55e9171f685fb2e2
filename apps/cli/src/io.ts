/** Everything the CLI touches outside itself, so commands can run in tests without a terminal. */
export interface Io {
  out(line: string): void;
  err(line: string): void;
  fetch: typeof fetch;
  /** The environment as read once at start-up (CONDUIT_URL, CONDUIT_API_KEY, XDG_CONFIG_HOME, HOME …). */
  env: Readonly<Record<string, string | undefined>>;
  /** Reads all of standard input (secret values, `apply -f -`). */
  readStdin(): Promise<Buffer>;
  /** True when standard input is a terminal: then there is nothing to read from it. */
  stdinIsTTY: boolean;
  /** Rewrites the current stderr line (a spinner); absent when stderr is not a terminal. */
  progress?: (text: string) => void;
  /**
   * Calls `handler` on the first Ctrl-C (SIGINT) instead of dying; answers a function that removes it. A second
   * Ctrl-C meanwhile ends the process as usual. Absent in tests that do not simulate it.
   */
  onInterrupt?: (handler: () => void) => () => void;
}
