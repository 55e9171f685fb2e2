import type { Client, ClientChannel } from 'ssh2';
import { z } from 'zod';
import { ConnectorCheckError, ConnectorOperations, OperationContext, secretText } from './context';
import { sshKeyOf } from './git-test';
import { describeSshTarget, SshKey, sshConnect, SshTarget } from './ssh-probe';

type Spec = Record<string, unknown>;

const MAX_STREAM = 256 * 1024;

function sshHostTarget(spec: Spec): SshTarget {
  return { host: spec['host'] as string, port: (spec['port'] as number | undefined) ?? 22, username: spec['username'] as string };
}

function sshHostKey(ctx: OperationContext): SshKey {
  const key = sshKeyOf(ctx, ctx.spec['sshKeyRef'] as string, 'spec.sshKeyRef');
  const passphraseRef = ctx.spec['passphraseRef'] as string | undefined;
  return passphraseRef ? { ...key, passphrase: secretText(ctx, passphraseRef, 'spec.passphraseRef') } : key;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  /** Either stream passed MAX_STREAM bytes and was cut there. */
  truncated: boolean;
}

/** Runs one command on an open connection; output is kept up to MAX_STREAM bytes per stream. */
export function runCommand(client: Client, command: string, where: string, signal: AbortSignal): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    client.exec(command, (error: Error | undefined, channel: ClientChannel) => {
      if (error) return reject(new ConnectorCheckError('EXEC_FAILED', 'operation', `${where} refused to run a command (${error.message})`, "the account may have no shell, or the server forbids exec for it"));
      let truncated = false;
      const collector = () => {
        const kept: Buffer[] = [];
        let size = 0;
        const take = (chunk: Buffer) => {
          const room = MAX_STREAM - size;
          if (chunk.length > room) truncated = true;
          if (room > 0) kept.push(chunk.subarray(0, room));
          size += Math.min(room, chunk.length);
        };
        return { take, text: () => Buffer.concat(kept).toString('utf8') };
      };
      const stdout = collector();
      const stderr = collector();
      channel.on('data', stdout.take);
      channel.stderr.on('data', stderr.take);
      const onAbort = () => channel.close();
      signal.addEventListener('abort', onAbort, { once: true });
      let exitCode: number | null = null;
      let exitSignal: string | null = null;
      channel.on('exit', (code: number | null, name?: string) => {
        exitCode = code;
        exitSignal = name ?? null;
      });
      channel.on('close', () => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) return reject(signal.reason);
        resolve({ exitCode, signal: exitSignal, stdout: stdout.text(), stderr: stderr.text(), truncated });
      });
    });
  });
}

/** Opens a pinned, key-authenticated session to the host for `use`, and closes it after. */
async function onHost<T>(ctx: OperationContext, use: (client: Client, where: string, hostKeyFingerprint: string) => Promise<T>): Promise<T> {
  const target = sshHostTarget(ctx.spec);
  const { client, hostKeyFingerprint, release } = await sshConnect(ctx, target, sshHostKey(ctx), ctx.spec['hostKeyFingerprints'] as string[]);
  try {
    return await use(client, describeSshTarget(target), hostKeyFingerprint);
  } finally {
    release();
  }
}

export const sshHostOperations: ConnectorOperations = {
  /** Handshake with the pinned host key, key login, then `true`: the account may run commands. */
  async test(ctx) {
    const key = await ctx.stage('authentication', async () => sshHostKey(ctx));
    const target = sshHostTarget(ctx.spec);
    const where = describeSshTarget(target);
    const started = performance.now();
    const session = await ctx.stage('connection', () => sshConnect(ctx, target, key, ctx.spec['hostKeyFingerprints'] as string[]));
    const connectedMs = Math.round(performance.now() - started);
    try {
      return await ctx.stage('operation', async () => {
        const result = await runCommand(session.client, 'true', where, ctx.signal);
        if (result.exitCode !== 0) throw new ConnectorCheckError('EXEC_FAILED', 'operation', `'true' ended with ${result.exitCode ?? result.signal ?? 'no status'} on ${where}`, 'the account may have a restricted shell');
        return {
          message: `SSH host ${where} (host key ${session.hostKeyFingerprint}) accepted the key of user '${target.username}' in ${connectedMs} ms and runs commands`,
          details: { hostKeyFingerprint: session.hostKeyFingerprint, latencyMs: connectedMs },
        };
      });
    } finally {
      session.release();
    }
  },
  actions: {
    exec: {
      description: 'Runs one command on the host; output (masked, at most 256 KiB per stream) and exit code are the result',
      input: z.object({ command: z.string().min(1, 'must not be empty').max(8192) }).strict(),
      mutating: true,
      async run(ctx, input: { command: string }) {
        return onHost(ctx, async (client, where, hostKeyFingerprint) => {
          const result = await runCommand(client, input.command, where, ctx.signal);
          return { message: `command on ${where} ended with ${result.exitCode !== null ? `exit code ${result.exitCode}` : `signal ${result.signal ?? 'unknown'}`}`, details: { ...result, hostKeyFingerprint } };
        });
      },
    },
  },
};
