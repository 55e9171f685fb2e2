#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram, ExitCode } from './program';
import type { Io } from './io';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const io: Io = {
  out: (l) => console.log(l),
  err: (l) => console.error(l),
  fetch,
  env: { ...process.env },
  readStdin,
  stdinIsTTY: Boolean(process.stdin.isTTY),
  onInterrupt: (handler) => {
    process.once('SIGINT', handler);
    return () => process.removeListener('SIGINT', handler);
  },
  ...(process.stderr.isTTY ? { progress: (text: string) => process.stderr.write(`\r\x1b[2K${text}`) } : {}),
};

buildProgram(io)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    console.error(`internal error: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = ExitCode.Failure;
  });
