import { useState } from 'preact/hooks';
import { api, describeScope, type Scope, scopeQuery } from '../api';
import { href } from '../routes';
import { Badge, DataTable, ErrorMessage, Loading, PageHeader, Time, useLoad, Pending } from '../ui';
import type { ExecutionView, PipelineView } from '../views';

const EXAMPLE = `pipeline:
  name: Hello
  identifier: hello
  stages:
    - name: Build
      type: ci
      spec:
        steps:
          - name: Say hello
            type: run
            spec:
              shell: sh
              command: echo hello
`;

/** A pipeline is YAML in and out; the control plane checks its references before anything runs. */
function NewPipeline({ scope, onCreated }: { scope: Scope; onCreated: () => void }) {
  const [yaml, setYaml] = useState(EXAMPLE);
  const [error, setError] = useState<Error>();
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      await api('POST', `/v1/pipelines${scopeQuery(scope)}`, { yaml });
      onCreated();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="new-pipeline-heading">
      <h2 id="new-pipeline-heading">New pipeline</h2>
      <label for="pipeline-yaml">Pipeline YAML</label>
      <textarea
        id="pipeline-yaml"
        class="mono"
        rows={14}
        spellcheck={false}
        value={yaml}
        onInput={(e) => setYaml(e.currentTarget.value)}
      />
      <ErrorMessage error={error} />
      <button type="submit" class="primary">
        Create pipeline
      </button>
    </form>
  );
}

export function PipelinesPage({ scope }: { scope: Scope }) {
  const pipelines = useLoad(
    () => api<{ items: PipelineView[] }>('GET', `/v1/pipelines${scopeQuery(scope)}`),
    [scope.org, scope.project],
  );
  return (
    <>
      <PageHeader title="Pipelines" />
      <p class="muted">Pipelines of the {describeScope(scope)}.</p>
      <div class="columns">
        <section aria-labelledby="pipelines-heading" class="card">
          <h2 id="pipelines-heading">Pipelines</h2>
          <ErrorMessage error={pipelines.error} />
          {!pipelines.data && !pipelines.error && <Loading what="pipelines" />}
          {pipelines.data && (
            <DataTable
              caption="Pipelines"
              rows={pipelines.data.items}
              rowKey={(p) => p.identifier}
              empty="No pipelines in this scope."
              columns={[
                {
                  label: 'Name',
                  cell: (p) => (
                    <>
                      <a href={href.pipeline(p.identifier)}>{p.name}</a>
                      <div class="muted small">{p.identifier}</div>
                    </>
                  ),
                },
                { label: 'Version', cell: (p) => p.version },
                { label: 'Updated', cell: (p) => <Time at={p.updatedAt} /> },
              ]}
            />
          )}
        </section>
        <NewPipeline scope={scope} onCreated={pipelines.reload} />
      </div>
    </>
  );
}

export function PipelinePage({ scope, id }: { scope: Scope; id: string }) {
  const base = `/v1/pipelines/${encodeURIComponent(id)}`;
  const pipeline = useLoad(
    () => api<PipelineView & { yaml: string }>('GET', `${base}${scopeQuery(scope)}`),
    [id, scope.org, scope.project],
  );
  const executions = useLoad(
    () => api<{ items: ExecutionView[] }>('GET', `${base}/executions${scopeQuery(scope)}`),
    [id, scope.org, scope.project],
  );
  const [error, setError] = useState<Error>();
  const run = async () => {
    setError(undefined);
    try {
      const started = await api<ExecutionView>('POST', `${base}/executions${scopeQuery(scope)}`);
      location.hash = href.execution(id, started.id);
    } catch (err) {
      setError(err as Error);
    }
  };
  if (!pipeline.data) return <Pending title={`Pipeline ${id}`} what="the pipeline" error={pipeline.error} />;
  return (
    <>
      <PageHeader title={pipeline.data.name}>
        <button type="button" class="primary" onClick={run}>
          Run pipeline
        </button>
      </PageHeader>
      <ErrorMessage error={error} />
      <div class="columns">
        <section aria-labelledby="executions-heading" class="card">
          <h2 id="executions-heading">Executions</h2>
          <ErrorMessage error={executions.error} />
          {executions.data && (
            <DataTable
              caption="Executions"
              rows={executions.data.items}
              rowKey={(e) => e.id}
              empty="Not run yet."
              columns={[
                {
                  label: 'Started',
                  cell: (e) => (
                    <a href={href.execution(id, e.id)}>
                      <Time at={e.startedAt} />
                    </a>
                  ),
                },
                { label: 'Status', cell: (e) => <Badge status={e.status} /> },
                { label: 'By', cell: (e) => e.createdBy ?? '' },
              ]}
            />
          )}
        </section>
        <section aria-labelledby="yaml-heading" class="card">
          <h2 id="yaml-heading">YAML (version {pipeline.data.version})</h2>
          <pre class="mono">{pipeline.data.yaml}</pre>
        </section>
      </div>
    </>
  );
}
