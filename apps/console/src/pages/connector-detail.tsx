import { useState } from 'preact/hooks';
import { api, type Scope, scopeQuery } from '../api';
import { href } from '../routes';
import { Badge, DataTable, ErrorMessage, PageHeader, Time, useInterval, useLoad, Pending } from '../ui';
import { type StageProgress, stageProgress, type TaskEvent } from '../stage-progress';
import type { ConnectionTestResult, ConnectorCheck, ConnectorUsage, ConnectorView, TaskView } from '../views';

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'unknown', 'expired']);

/** The spec as nested definition lists; secret fields hold references only, and are marked as such. */
function SpecView({ value, secretPaths, at }: { value: unknown; secretPaths: Set<string>; at: string }) {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    return (
      <dl class="spec">
        {Object.entries(value).map(([key, v]) => (
          <div key={key}>
            <dt>{key}</dt>
            <dd>
              <SpecView value={v} secretPaths={secretPaths} at={`${at}.${key}`} />
            </dd>
          </div>
        ))}
      </dl>
    );
  }
  if (Array.isArray(value)) {
    return value.length === 0 ? (
      <span class="muted">none</span>
    ) : (
      <span>{value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}</span>
    );
  }
  return secretPaths.has(at) ? (
    <span class="secret-ref" title="secret reference: the value stays sealed">
      secret: <code>{String(value)}</code>
    </span>
  ) : (
    <code>{String(value)}</code>
  );
}

/** "Test connection": starts the test, then follows its task's progress events and shows each stage as it is reported. */
function ConnectionTest({ connectorRef, scope, onDone }: { connectorRef: string; scope: Scope; onDone: () => void }) {
  const [result, setResult] = useState<ConnectionTestResult>();
  const [task, setTask] = useState<TaskView>();
  const [stages, setStages] = useState<StageProgress[]>([]);
  const [error, setError] = useState<Error>();
  const running = result?.status === 'PENDING' && (!task || !TERMINAL.has(task.status));

  const start = async () => {
    setError(undefined);
    setTask(undefined);
    setStages([]);
    try {
      const started = await api<ConnectionTestResult>(
        'POST',
        `/v1/connectors/${encodeURIComponent(connectorRef)}/test${scopeQuery(scope)}`,
      );
      setResult(started);
      if (started.status !== 'PENDING') onDone();
    } catch (err) {
      setError(err as Error);
    }
  };
  useInterval(
    async () => {
      if (!result?.taskId) return;
      const [next, events] = await Promise.all([
        api<TaskView>('GET', `/v1/tasks/${result.taskId}`),
        api<{ items: TaskEvent[] }>('GET', `/v1/tasks/${result.taskId}/events`),
      ]);
      setStages(stageProgress(events.items));
      setTask(next);
      if (TERMINAL.has(next.status)) onDone();
    },
    400,
    running,
  );

  const done = task && TERMINAL.has(task.status);
  const outcome = done ? (task.status === 'succeeded' && !task.error ? 'SUCCESS' : 'FAILURE') : result?.status;
  const failure =
    task?.error ??
    (result?.status === 'FAILURE'
      ? { code: result.errors[0]?.code ?? 'FAILED', message: result.message ?? '', hint: result.errors[0]?.hint }
      : null);
  return (
    <section aria-labelledby="test-heading" class="card">
      <h2 id="test-heading">Connection test</h2>
      <button type="button" class="primary" onClick={start} disabled={running}>
        {running ? 'Testing…' : 'Test connection'}
      </button>
      <ErrorMessage error={error} />
      {result && (
        <div aria-live="polite" class="test-result">
          <p>
            Result: <Badge status={outcome ?? 'PENDING'} />{' '}
            {(task?.delegate?.name ?? result.delegate) && (
              <span class="muted">on delegate {task?.delegate?.name ?? result.delegate}</span>
            )}
          </p>
          <ol class="stages" aria-label="Stages">
            {stages.map((s) => (
              <li key={s.stage} class={`stage stage-${s.status}`}>
                <Badge status={s.status} /> <strong>{s.stage}</strong>
                {s.durationMs !== null && <span class="muted"> {s.durationMs} ms</span>}
                {s.message && <div class="small">{s.message}</div>}
              </li>
            ))}
            {running && <li class="muted">waiting for the delegate…</li>}
          </ol>
          {failure && (
            <div class="error" role="alert">
              <strong>{failure.code}:</strong> {failure.message}
              {failure.hint && <div class="small">{failure.hint}</div>}
            </div>
          )}
        </div>
      )}
    </section>
  );
}

export function ConnectorDetailPage({ scope, connectorRef }: { scope: Scope; connectorRef: string }) {
  const path = `/v1/connectors/${encodeURIComponent(connectorRef)}`;
  const connector = useLoad(
    () => api<ConnectorView>('GET', `${path}${scopeQuery(scope)}`),
    [connectorRef, scope.org, scope.project],
  );
  const checks = useLoad(
    () => api<{ items: ConnectorCheck[] }>('GET', `${path}/checks${scopeQuery(scope)}`),
    [connectorRef, scope.org, scope.project],
  );
  const usage = useLoad(
    () => api<{ items: ConnectorUsage[] }>('GET', `${path}/usage${scopeQuery(scope)}`),
    [connectorRef, scope.org, scope.project],
  );
  const [deleteError, setDeleteError] = useState<Error>();
  const c = connector.data;
  if (!c) return <Pending title={`Connector ${connectorRef}`} what="the connector" error={connector.error} />;

  const remove = async () => {
    if (!confirm(`Delete connector ${c.ref}?`)) return;
    try {
      await api('DELETE', `${path}${scopeQuery(scope)}`);
      location.hash = href.connectors();
    } catch (err) {
      setDeleteError(err as Error);
    }
  };
  return (
    <>
      <PageHeader title={c.name}>
        <a class="button" href={href.editConnector(c.ref)}>
          Edit
        </a>
        <button type="button" class="danger" onClick={remove}>
          Delete
        </button>
      </PageHeader>
      <ErrorMessage error={deleteError} />
      <div class="columns">
        <section aria-labelledby="overview-heading" class="card">
          <h2 id="overview-heading">Overview</h2>
          <dl class="facts">
            <dt>Status</dt>
            <dd>
              <Badge status={c.status} /> {c.errorSummary && <span class="small">{c.errorSummary}</span>}
            </dd>
            <dt>Reference</dt>
            <dd>
              <code>{c.ref}</code>
            </dd>
            <dt>Type</dt>
            <dd>
              {c.type} <span class="muted">({c.category})</span>
            </dd>
            <dt>Scope</dt>
            <dd>
              {c.scope.project
                ? `project ${c.scope.org}/${c.scope.project}`
                : c.scope.org
                  ? `organization ${c.scope.org}`
                  : 'account'}
            </dd>
            <dt>Last tested</dt>
            <dd>
              <Time at={c.lastTestedAt} />
            </dd>
            <dt>Last connected</dt>
            <dd>
              <Time at={c.lastConnectedAt} />
            </dd>
            <dt>Delegate selectors</dt>
            <dd>
              {c.delegateSelectors.length ? c.delegateSelectors.join(', ') : <span class="muted">any delegate</span>}
            </dd>
          </dl>
          {c.description && <p>{c.description}</p>}
        </section>
        <ConnectionTest
          connectorRef={c.ref}
          scope={scope}
          onDone={() => {
            connector.reload();
            checks.reload();
          }}
        />
      </div>
      <section aria-labelledby="config-heading" class="card">
        <h2 id="config-heading">Configuration</h2>
        <p class="muted small">Credentials are references to secrets; their values are never shown.</p>
        <SpecView value={c.spec} secretPaths={new Set(c.secretRefs.map((r) => r.path))} at="spec" />
      </section>
      <section aria-labelledby="usage-heading" class="card">
        <h2 id="usage-heading">Used by pipelines</h2>
        <ErrorMessage error={usage.error} />
        {usage.data &&
          (usage.data.items.length === 0 ? (
            <p class="muted">No pipeline references this connector.</p>
          ) : (
            <ul>
              {usage.data.items.map((u) => (
                <li key={`${u.pipeline}:${u.path}`}>
                  <a href={href.pipeline(u.pipeline)}>{u.pipeline}</a> <span class="muted">at {u.path}</span>
                </li>
              ))}
            </ul>
          ))}
      </section>
      <section aria-labelledby="history-heading" class="card">
        <h2 id="history-heading">Test history</h2>
        <ErrorMessage error={checks.error} />
        {checks.data && (
          <DataTable
            caption="Test history"
            rows={checks.data.items}
            rowKey={(check) => check.id}
            empty="Not tested yet."
            columns={[
              { label: 'When', cell: (check) => <Time at={check.testedAt} /> },
              { label: 'Result', cell: (check) => <Badge status={check.status} /> },
              { label: 'Stage', cell: (check) => check.stage ?? '—' },
              { label: 'Latency', cell: (check) => (check.latencyMs === null ? '—' : `${check.latencyMs} ms`) },
              { label: 'Delegate', cell: (check) => check.delegate ?? '—' },
              { label: 'Message', cell: (check) => <span class="small">{check.message ?? ''}</span> },
            ]}
          />
        )}
      </section>
    </>
  );
}
