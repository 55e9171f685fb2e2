import YAML from 'yaml';

export const OUTPUT_FORMATS = ['table', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface Column<T> {
  header: string;
  value(row: T): string;
}

/** Left-aligned columns two spaces apart, headers in capitals; an empty list says so instead of a bare header. */
export function renderTable<T>(rows: readonly T[], columns: ReadonlyArray<Column<T>>, emptyMessage = 'nothing found'): string[] {
  if (rows.length === 0) return [emptyMessage];
  const cells = [columns.map((c) => c.header.toUpperCase()), ...rows.map((row) => columns.map((c) => oneLine(c.value(row))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  return cells.map((line) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ');

/** A document in JSON (two-space indent) or YAML (no line folding), as lines. */
export function renderDocument(value: unknown, format: 'json' | 'yaml'): string[] {
  const text = format === 'json' ? JSON.stringify(value, null, 2) : YAML.stringify(value, { lineWidth: 0 });
  return text.replace(/\n$/, '').split('\n');
}

/** A list in the chosen format: table rows, or the items array as JSON/YAML for scripts. */
export function renderList<T>(items: readonly T[], format: OutputFormat, columns: ReadonlyArray<Column<T>>, emptyMessage?: string): string[] {
  return format === 'table' ? renderTable(items, columns, emptyMessage) : renderDocument(items, format);
}

/** How long ago, kubectl-style (`45s`, `12m`, `3h`, `5d`); `-` for never. */
export function age(iso: string | null | undefined, now: Date): string {
  if (!iso) return '-';
  const seconds = Math.max(0, Math.floor((now.getTime() - new Date(iso).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 120 * 60) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 48 * 3600) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

export function formatTags(tags: Record<string, string> | string[] | undefined): string {
  if (!tags) return '';
  if (Array.isArray(tags)) return tags.join(',');
  return Object.entries(tags)
    .map(([k, v]) => (v ? `${k}=${v}` : k))
    .join(',');
}
