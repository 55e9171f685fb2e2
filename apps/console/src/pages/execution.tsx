import { useEffect, useRef, useState } from 'preact/hooks';
import { api, followEvents, type Scope, scopeQuery } from '../api';
import { href } from '../routes';
import { Badge, ErrorMessage, PageHeader, Time, useInterval, useLoad, Pending } from '../ui';
import type { ExecutionView } from '../views';

interface StreamEvent {
  type: string;
  pipelineStage: string;
  line: string;
  data?: string | null;
}

/** A log chunk may hold several lines: each gets its stage prefix, as in the plain-text log. */
function logLines(event: StreamEvent): string[] {
  if (event.type !== 'log' || !event.data) return [event.line];
  return event.data
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `[${event.pipelineStage}] ${line}`);
}

/** The log lines as they arrive (Server-Sent Events); secrets were masked on the delegate before they left it. */
function LiveLog({ path }: { path: string }) {
  const [lines, setLines] = useState<string[]>([]);
  const [state, setState] = useState<'following' | 'ended' | 'failed'>('following');
  const box = useRef<HTMLPreElement>(null);
  useEffect(() => {
    setLines([]);
    setState('following');
    const abort = new AbortController();
    followEvents(
      path,
      (event, data) => {
        if (event === 'end') setState('ended');
        else setLines((l) => [...l, ...logLines(JSON.parse(data) as StreamEvent)]);
      },
      abort.signal,
    ).catch(() => !abort.signal.aborted && setState('failed'));
    return () => abort.abort();
  }, [path]);
  useEffect(() => {
    if (box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [lines.length]);
  return (
    <section aria-labelledby="logs-heading" class="card">
      <h2 id="logs-heading">
        Logs{' '}
        <span class="muted small">
          {state === 'following'
            ? '(live)'
            : state === 'ended'
              ? '(complete)'
              : '(stream interrupted: reload to resume)'}
        </span>
      </h2>
      <pre class="log mono" role="log" aria-live="polite" tabIndex={0} ref={box}>
        {lines.join('\n') || 'waiting for output…'}
      </pre>
    </section>
  );
}

export function ExecutionPage({ scope, pipeline, id }: { scope: Scope; pipeline: string; id: string }) {
  const base = `/v1/pipelines/${encodeURIComponent(pipeline)}/executions/${id}`;
  const execution = useLoad(
    () => api<ExecutionView>('GET', `${base}${scopeQuery(scope)}`),
    [base, scope.org, scope.project],
  );
  const [error, setError] = useState<Error>();
  const running = execution.data?.status === 'running';
  useInterval(execution.reload, 1000, running);
  const cancel = async () => {
    try {
      await api('POST', `${base}/cancel${scopeQuery(scope)}`);
      execution.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const e = execution.data;
  if (!e) return <Pending title={`Run of ${pipeline}`} what="the execution" error={execution.error} />;
  return (
    <>
      <PageHeader title={`Run of ${e.pipeline}`}>
        <a class="button" href={href.pipeline(pipeline)}>
          Back to pipeline
        </a>
        {running && (
          <button type="button" class="danger" onClick={cancel}>
            Abort
          </button>
        )}
      </PageHeader>
      <ErrorMessage error={error} />
      <p>
        Status: <Badge status={e.status} /> <span class="muted">started</span> <Time at={e.startedAt} />{' '}
        {e.createdBy && <span class="muted">by {e.createdBy}</span>}
      </p>
      {e.error && (
        <div class="error" role="alert">
          <strong>{e.error.code}:</strong> {e.error.message}
        </div>
      )}
      <div class="columns">
        <section aria-labelledby="stages-heading" class="card">
          <h2 id="stages-heading">Stages</h2>
          <ol class="stages">
            {e.stages.map((stage) => (
              <li key={stage.name} class={`stage stage-${stage.status}`}>
                <Badge status={stage.status} /> <strong>{stage.name}</strong> <span class="muted">{stage.type}</span>
                {stage.steps.length > 0 && (
                  <ol class="steps">
                    {stage.steps.map((step) => (
                      <li key={step.name}>
                        <Badge status={step.status} /> {step.name}
                        {step.exitCode !== undefined && step.exitCode !== null && (
                          <span class="muted"> exit {step.exitCode}</span>
                        )}
                        {step.durationMs !== undefined && <span class="muted"> · {step.durationMs} ms</span>}
                      </li>
                    ))}
                  </ol>
                )}
                {stage.error && <div class="small error-text">{stage.error.message}</div>}
              </li>
            ))}
          </ol>
        </section>
        <LiveLog path={`${base}/logs${scopeQuery(scope, { follow: 'true' })}`} />
      </div>
    </>
  );
}
