#!/usr/bin/env node
import { CommanderError } from 'commander';
import { buildProgram, ExitCode } from './program';

const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l), fetch };

buildProgram(io)
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
      return;
    }
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = ExitCode.Failure;
  });
