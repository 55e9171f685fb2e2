import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from './errors';
import { Pipeline } from './model';
import { parsePipelineYaml } from './parse';

/** Test helpers only: not exported from the library. */

export function fixture(name: string): string {
  return readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
}

/** Lines joined with newlines, so a test can count the line an error must point at. */
export function yamlLines(...lines: string[]): string {
  return `${lines.join('\n')}\n`;
}

export function parseOk(text: string): Pipeline {
  const result = parsePipelineYaml(text);
  if (!result.ok) throw new Error(`expected the pipeline to parse, got ${JSON.stringify(result.errors, null, 2)}`);
  return result.pipeline;
}

export function parseErrors(text: string): PipelineError[] {
  const result = parsePipelineYaml(text);
  if (result.ok) throw new Error('expected the pipeline to be rejected, but it parsed');
  return result.errors;
}

/** A valid one-stage pipeline whose stage body is replaced by `stageLines` (indented by the caller as in a list item). */
export function withStage(...stageLines: string[]): string {
  return yamlLines('pipeline:', '  name: P', '  stages:', ...stageLines);
}
