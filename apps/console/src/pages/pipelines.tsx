import { useState } from 'preact/hooks';
import { api, describeScope, type Scope, scopeQuery } from '../api';
import { href } from '../routes';
import { Badge, ErrorMessage, Loading, PageHeader, Time, useLoad, Pending } from '../ui';
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
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Version</th>
                  <th scope="col">Updated</th>
                </tr>
              </thead>
              <tbody>
                {pipelines.data.items.map((p) => (
                  <tr key={p.identifier}>
                    <td>
                      <a href={href.pipeline(p.identifier)}>{p.name}</a>
                      <div class="muted small">{p.identifier}</div>
                    </td>
                    <td>{p.version}</td>
                    <td>
                      <Time at={p.updatedAt} />
                    </td>
                  </tr>
                ))}
                {pipelines.data.items.length === 0 && (
                  <tr>
                    <td colSpan={3} class="muted">
                      No pipelines in this scope.
                    </td>
                  </tr>
                )}
              </tbody>
            </table>
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
          {executions.data &&
            (executions.data.items.length === 0 ? (
              <p class="muted">Not run yet.</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">Started</th>
                    <th scope="col">Status</th>
                    <th scope="col">By</th>
                  </tr>
                </thead>
                <tbody>
                  {executions.data.items.map((e) => (
                    <tr key={e.id}>
                      <td>
                        <a href={href.execution(id, e.id)}>
                          <Time at={e.startedAt} />
                        </a>
                      </td>
                      <td>
                        <Badge status={e.status} />
                      </td>
                      <td>{e.createdBy ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ))}
        </section>
        <section aria-labelledby="yaml-heading" class="card">
          <h2 id="yaml-heading">YAML (version {pipeline.data.version})</h2>
          <pre class="mono">{pipeline.data.yaml}</pre>
        </section>
      </div>
    </>
  );
}
