import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { ROOT } from '../support/processes';

/**
 * The architecture's arrows, enforced by lint (@nx/enforce-module-boundaries with the project tags): each
 * case puts a forbidden import into a real project's source path and expects lint to reject it, beside
 * an allowed import that must pass — so the rule cannot be silently switched off.
 */
interface LintResult {
  messages: Array<{ ruleId: string | null; message: string }>;
}

/** Lints source as if it were the given file, with the real eslint CLI and the workspace's config. */
async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const run = spawnSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', file, '--format', 'json'],
    { cwd: ROOT, input: source, encoding: 'utf8', env: { ...process.env, NX_DAEMON: 'false' } },
  );
  const [result] = JSON.parse(run.stdout) as LintResult[];
  return (result?.messages ?? []).filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  it.each([
    ['libs/protocol/src/bad.ts', "import { Injectable } from '@nestjs/common';\nexport const x = Injectable;\n", /"type:util" is not allowed to import "@nestjs\/common"/],
    ['libs/crypto/src/bad.ts', "import { DataSource } from 'typeorm';\nexport const x = DataSource;\n", /"type:util" is not allowed to import "typeorm"/],
    ['libs/crypto/src/bad.ts', "import { parsePipelineYaml } from '@conduit/pipeline';\nexport const x = parsePipelineYaml;\n", /type:util.*can only depend on libs tagged with "type:util"/is],
    ['libs/pipeline/src/bad.ts', "import { createApp } from '../../../apps/control-plane/src/app';\nexport const x = createApp;\n", /relative or absolute path|Imports of apps are forbidden/i],
    ['apps/delegate/src/bad.ts', "import { createApp } from '../../control-plane/src/app';\nexport const x = createApp;\n", /relative or absolute path|Imports of apps are forbidden/i],
    ['apps/delegate/src/bad.ts', "import { Repository } from 'typeorm';\nexport const x = Repository;\n", /"scope:delegate" is not allowed to import "typeorm"/],
    ['apps/cli/src/bad.ts', "import { Queue } from 'bullmq';\nexport const x = Queue;\n", /"scope:cli" is not allowed to import "bullmq"/],
  ])('rejects %s importing what it must not', async (file, source, expected) => {
    const errors = await boundaryErrors(file, source);
    expect(errors.join('\n')).toMatch(expected);
  });

  it.each([
    ['apps/delegate/src/ok.ts', "import { PROTOCOL_VERSION } from '@conduit/protocol';\nexport const x = PROTOCOL_VERSION;\n"],
    ['apps/control-plane/src/ok.ts', "import { Injectable } from '@nestjs/common';\nimport { PROTOCOL_VERSION } from '@conduit/protocol';\nexport const x = [Injectable, PROTOCOL_VERSION];\n"],
    ['libs/connectors/src/ok.ts', "import { PROTOCOL_VERSION } from '@conduit/protocol';\nexport const x = PROTOCOL_VERSION;\n"],
  ])('accepts %s importing what the architecture allows', async (file, source) => {
    expect(await boundaryErrors(file, source)).toEqual([]);
  });
});
