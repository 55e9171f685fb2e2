// What every peer shares: a temp dir of its own, binaries found or named by their Debian package,
// child processes that are stopped with the peer and killed if the test process exits first.
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

/** Replaces credentials wherever a peer records what reached it. */
export const REDACTED = '<redacted>';

const liveChildren = new Set<PeerProcess>();
const liveDirs = new Set<string>();
let safetyNetInstalled = false;
let watchdog: ChildProcess | undefined;

/** Last resort when a test exits without stopping its peers: synchronous, so it works in 'exit'. */
function killEverything(): void {
  for (const child of liveChildren) child.killNow();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
}

function track(): void {
  const empty = liveChildren.size === 0 && liveDirs.size === 0;
  if (!safetyNetInstalled && !empty) {
    process.on('exit', killEverything);
    safetyNetInstalled = true;
  } else if (safetyNetInstalled && empty) {
    process.removeListener('exit', killEverything);
    safetyNetInstalled = false;
    watchdog?.stdin?.end(); // nothing left to guard: let it exit
    watchdog = undefined;
  }
}

/**
 * The 'exit' handler does not cover everything: jest gives each test file a copy of `process` whose
 * 'exit' never fires, and a crash or SIGKILL skips it. So a small shell process also holds the
 * registrations: it reads "pid N" / "dir PATH" lines (and "forget …") from a pipe whose other end is
 * ours, and when that pipe closes — our process ended, however it ended — it kills and removes them.
 */
const WATCHDOG_SCRIPT = `
pids=''; dirs=''
while IFS= read -r line; do
  case "$line" in
    'pid '*) pids="$pids \${line#pid }" ;;
    'forget pid '*) pids=$(printf '%s\n' $pids | grep -vx "\${line#forget pid }" | tr '\n' ' ') ;;
    'dir '*) dirs="$dirs
\${line#dir }" ;;
    'forget dir '*) dirs=$(printf '%s\n' "$dirs" | grep -vxF "\${line#forget dir }") ;;
  esac
done
if [ -n "$(printf '%s' $pids)" ]; then kill -TERM $pids 2>/dev/null; sleep 1; kill -KILL $pids 2>/dev/null; fi
printf '%s\n' "$dirs" | while IFS= read -r dir; do [ -n "$dir" ] && rm -rf -- "$dir"; done
exit 0
`;
function tellWatchdog(line: string): void {
  if (!watchdog || watchdog.exitCode !== null || watchdog.signalCode !== null || watchdog.stdin?.writableEnded) {
    watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT], { stdio: ['pipe', 'ignore', 'ignore'] });
    watchdog.once('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    watchdog.unref();
    (watchdog.stdin as Socket | null)?.unref();
  }
  watchdog.stdin?.write(`${line}\n`);
}

/** A fresh directory under the system temp dir, removed by `remove()` or when the process exits. */
export function makeTempDir(peer: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `conduit-peer-${peer}-`));
  liveDirs.add(dir);
  tellWatchdog(`dir ${dir}`);
  track();
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
      tellWatchdog(`forget dir ${dir}`);
      track();
    },
  };
}

const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Absolute path of a binary, or an error that names the Debian package that provides it. */
export function requireBinary(name: string, debianPackage: string): string {
  const dirs = [...(process.env['PATH'] ?? '').split(':').filter(Boolean), ...SYSTEM_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${name} was not found on PATH or in ${SYSTEM_DIRS.join(', ')}: install the Debian package '${debianPackage}' ` +
      `(apt-get install -y --no-install-recommends ${debianPackage})`,
  );
}

/** Runs a command to completion; rejects with its stderr. */
export function run(
  file: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string | Buffer } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      file,
      args,
      { cwd: options.cwd, env: options.env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${path.basename(file)} ${args.join(' ')} failed: ${stderr || error.message}`));
        else resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** A port free on 127.0.0.1 right now; a child process may still lose it to a race, so callers retry. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Pids of every process below `pid`, read from /proc (the peers run on Linux). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function kill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** A child process of a peer, with its output kept (the tail) for error messages. */
export class PeerProcess {
  private outputTail = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const keep = (chunk: Buffer) => (this.outputTail = (this.outputTail + chunk.toString()).slice(-8000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    this.exited.then(() => {
      liveChildren.delete(this);
      if (child.pid !== undefined) tellWatchdog(`forget pid ${child.pid}`);
      track();
    });
    liveChildren.add(this);
    if (child.pid !== undefined) tellWatchdog(`pid ${child.pid}`);
    track();
  }

  static spawn(name: string, file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.once('error', () => undefined); // reported through `exited` and `alive`
    // A forgotten stop() must not keep the test process alive: once it exits, the 'exit' handler kills the child.
    child.unref();
    (child.stdout as Socket | null)?.unref();
    (child.stderr as Socket | null)?.unref();
    return new PeerProcess(name, child);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined;
  }

  get output(): string {
    return this.outputTail;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; also kills what the process started (sshd sessions, nginx workers). */
  async stop(graceMs = 5000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || !this.alive) return;
    const below = descendants(pid);
    kill(pid, 'SIGTERM');
    const timer = setTimeout(() => kill(pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    for (const child of below) kill(child, 'SIGKILL');
  }

  killNow(): void {
    const pid = this.child.pid;
    if (pid === undefined || !this.alive) return;
    const below = descendants(pid);
    kill(pid, 'SIGKILL');
    for (const child of below) kill(child, 'SIGKILL');
  }
}

/** Polls `probe` until it returns a value; fails early with the process's output if it exits. */
export async function waitUntil<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  options: { timeoutMs?: number; intervalMs?: number; process?: PeerProcess } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let lastError = '';
  while (Date.now() < deadline) {
    if (options.process && !options.process.alive) {
      throw new Error(`${options.process.name} exited while waiting for ${what}:\n${options.process.output}`);
    }
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
  }
  const output = options.process ? `\n${options.process.output}` : '';
  throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${lastError})` : ''}${output}`);
}

/**
 * Starts a peer that needs a port chosen before it starts. The port can be taken between `freePort()`
 * and the bind, so a start that fails with an address-in-use message is retried on a new port.
 */
export async function withFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      lastError = error;
      if (!/address already in use|Address in use|bind\(\)/i.test(String(error))) throw error;
    }
  }
  throw lastError;
}

/** Milliseconds since `start`, for start-up measurements. */
export function elapsedMs(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}
