/** Building blocks every page uses: loading data, errors, status badges, times. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/** Runs `load` now and whenever `deps` change; `reload` runs it again. A late answer for old deps is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error }>({});
  const [generation, setGeneration] = useState(0);
  const current = useRef(0);
  useEffect(() => {
    const call = ++current.current;
    load().then(
      (data) => call === current.current && setState({ data }),
      (error: Error) => call === current.current && setState((s) => ({ ...s, error })),
    );
  }, [...deps, generation]);
  return { data: state.data, error: state.error, reload: useCallback(() => setGeneration((g) => g + 1), []) };
}

export function ErrorMessage({ error }: { error: Error | undefined }) {
  if (!error) return null;
  const details = error instanceof ApiError ? error.details.filter((d) => d.message !== error.message) : [];
  return (
    <div class="error" role="alert">
      <strong>{error instanceof ApiError ? error.code : 'Error'}:</strong> {error.message}
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={`${d.path}:${d.message}`}>{d.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The visual required marker; the control's `required` attribute is what assistive technology announces. */
export function RequiredMark() {
  return <span aria-hidden="true"> *</span>;
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

const BADGES: Record<string, string> = {
  ACTIVE: 'Active',
  FAILED: 'Failed',
  UNCONFIGURED: 'Unconfigured',
  SUCCESS: 'Success',
  FAILURE: 'Failure',
  PENDING: 'Running',
};

/** A status word with its colour; the word itself carries the meaning (colour is never the only cue). */
export function Badge({ status }: { status: string }) {
  const label = BADGES[status] ?? status.charAt(0).toUpperCase() + status.slice(1);
  return <span class={`badge badge-${status.toLowerCase()}`}>{label}</span>;
}

export function Time({ at }: { at: string | null | undefined }) {
  if (!at) return <span class="muted">never</span>;
  const date = new Date(at);
  return (
    <time dateTime={date.toISOString()} title={date.toLocaleString()}>
      {relative(date)}
    </time>
  );
}

export function relative(date: Date, now = Date.now()): string {
  const seconds = Math.round((now - date.getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return date.toLocaleDateString();
}

export function PageHeader({ title, children }: { title: string; children?: ComponentChildren }) {
  useEffect(() => {
    document.title = `${title} · Conduit`;
  }, [title]);
  return (
    <div class="page-header">
      <h1 tabIndex={-1} id="page-title">
        {title}
      </h1>
      <div class="actions">{children}</div>
    </div>
  );
}

export interface Column<T> {
  /** The header; `hidden` keeps it for screen readers only (an actions column). */
  label: string;
  hidden?: boolean;
  cell: (row: T) => ComponentChildren;
}

/** A table of rows with a (visually hidden) caption, column headers, and a line saying when it is empty. */
export function DataTable<T>({
  caption,
  columns,
  rows,
  rowKey,
  empty,
}: {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: string;
}) {
  return (
    <table>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col" key={c.label}>
              {c.hidden ? <span class="visually-hidden">{c.label}</span> : c.label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={rowKey(row)}>
            {columns.map((c) => (
              <td key={c.label}>{c.cell(row)}</td>
            ))}
          </tr>
        ))}
        {rows.length === 0 && (
          <tr>
            <td colSpan={columns.length} class="muted">
              {empty}
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

/** A page whose data is still loading or could not be read: its heading, then the state. */
export function Pending({ title, what, error }: { title: string; what: string; error: Error | undefined }) {
  return (
    <>
      <PageHeader title={title} />
      {error ? <ErrorMessage error={error} /> : <Loading what={what} />}
    </>
  );
}

/** Polls while `active`: live views of tasks and executions. */
export function useInterval(callback: () => void, ms: number, active: boolean): void {
  const saved = useRef(callback);
  saved.current = callback;
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => saved.current(), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}
