import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { CliError } from '../errors';

// Also the order they are applied in: what a document names exists before it.
export const DOCUMENT_KINDS = ['secret', 'connector', 'pipeline', 'alertRule'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** One YAML document of an applied file: its kind (the root key), its text as written and its data. */
export interface SourceDocument {
  kind: DocumentKind;
  /** `file.yaml` or `file.yaml#2` (the second document of the file), for messages. */
  source: string;
  text: string;
  data: Record<string, unknown>;
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The documents of one file (`---`-separated); empty documents are skipped, a broken one is named with its line. */
export function parseDocuments(text: string, file: string): SourceDocument[] {
  const documents = YAML.parseAllDocuments(text, { uniqueKeys: true });
  if (!Array.isArray(documents)) return [];
  const found: SourceDocument[] = [];
  const multiple = documents.length > 1;
  documents.forEach((document, index) => {
    const source = multiple ? `${file}#${index + 1}` : file;
    const error = document.errors[0];
    if (error) {
      const at = error.linePos?.[0];
      throw new CliError(`${file}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML: ${error.message.split('\n')[0]}`);
    }
    const data: unknown = document.toJS({ maxAliasCount: 32 });
    if (data === null || data === undefined) return;
    if (!isMapping(data)) throw new CliError(`${source}: expected a mapping with one of the keys ${DOCUMENT_KINDS.join(', ')}`);
    const kinds = DOCUMENT_KINDS.filter((kind) => kind in data);
    if (kinds.length !== 1) {
      throw new CliError(
        `${source}: ${kinds.length ? `has several document keys (${kinds.join(', ')})` : `is not a document conduit applies (keys: ${Object.keys(data).join(', ') || 'none'})`}; expected exactly one of ${DOCUMENT_KINDS.join(', ')}`,
      );
    }
    // The document as written (comments and layout kept), without its `---` / `...` markers.
    const written = text
      .slice(document.range[0], document.range[2])
      .replace(/^---[^\n]*\n/, '')
      .replace(/(^|\n)\.\.\.\s*$/, '$1');
    found.push({ kind: kinds[0] as DocumentKind, source, text: written, data });
  });
  return found;
}

/** The .yaml/.yml files of a directory in name order (not recursive), or the file itself. */
export function filesOf(target: string): string[] {
  let stat;
  try {
    stat = statSync(target);
  } catch {
    throw CliError.usage(`${target}: no such file or directory`);
  }
  if (!stat.isDirectory()) return [target];
  return readdirSync(target)
    .filter((name) => /\.ya?ml$/i.test(name))
    .sort()
    .map((name) => path.join(target, name))
    .filter((file) => statSync(file).isFile());
}

/** Every document named by `-f` arguments (files, directories, or `-` for standard input), in order. */
export async function loadDocuments(targets: readonly string[], readStdin: () => Promise<Buffer>): Promise<SourceDocument[]> {
  const documents: SourceDocument[] = [];
  for (const target of targets) {
    if (target === '-') {
      documents.push(...parseDocuments((await readStdin()).toString('utf8'), '(stdin)'));
      continue;
    }
    for (const file of filesOf(target)) documents.push(...parseDocuments(readFileSync(file, 'utf8'), file));
  }
  return documents;
}
