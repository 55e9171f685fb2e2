import { useMemo, useState } from 'preact/hooks';
import { api, ApiError, describeScope, type Scope, scopeQuery } from '../api';
import { href } from '../routes';
import { Fields } from '../schema-fields';
import { fieldsOf, pruneEmpty } from '../schema-form';
import { ErrorMessage, PageHeader, RequiredMark, useLoad, Pending } from '../ui';
import type { CatalogEntry, ConnectorView, Page, SecretView } from '../views';

/** API error details name `spec.x.y` (or `x.y` relative to the spec): the form shows them beside the field. */
function fieldErrors(error: Error | undefined): Record<string, string> {
  if (!(error instanceof ApiError)) return {};
  return Object.fromEntries(
    error.details.filter((d) => d.path).map((d) => [String(d.path).replace(/^spec\./, ''), d.message]),
  );
}

interface Draft {
  identifier: string;
  /** Not edited here, but sent back unchanged: an update replaces the whole connector. */
  tags: Record<string, string>;
  name: string;
  description: string;
  type: string;
  spec: unknown;
}

/** Create (no ref) or edit a connector; the spec's fields are generated from the type's JSON Schema. */
export function ConnectorFormPage({ scope, connectorRef }: { scope: Scope; connectorRef?: string }) {
  const catalog = useLoad(() => api<{ items: CatalogEntry[] }>('GET', '/v1/connector-catalog'), []);
  const secrets = useLoad(
    () => api<Page<SecretView>>('GET', `/v1/secrets${scopeQuery(scope, { includeParentScopes: 'true' })}`),
    [scope.org, scope.project],
  );
  const existing = useLoad(
    () =>
      connectorRef
        ? api<ConnectorView>('GET', `/v1/connectors/${encodeURIComponent(connectorRef)}${scopeQuery(scope)}`)
        : Promise.resolve(undefined),
    [connectorRef, scope.org, scope.project],
  );
  const [draft, setDraft] = useState<Draft>();
  const [error, setError] = useState<Error>();
  const [saving, setSaving] = useState(false);

  const current: Draft | undefined =
    draft ??
    (connectorRef
      ? existing.data && {
          identifier: existing.data.identifier,
          tags: existing.data.tags,
          name: existing.data.name,
          description: existing.data.description,
          type: existing.data.type,
          spec: existing.data.spec,
        }
      : { identifier: '', tags: {}, name: '', description: '', type: '', spec: {} });
  const entry = catalog.data?.items.find((e) => e.type === current?.type);
  const fields = useMemo(() => (entry ? fieldsOf(entry.schema) : []), [entry]);
  const errors = fieldErrors(error);

  if (!catalog.data || !current) {
    return (
      <Pending
        title={connectorRef ? `Edit ${connectorRef}` : 'New connector'}
        what="the connector catalog"
        error={catalog.error ?? existing.error}
      />
    );
  }
  const update = (patch: Partial<Draft>) => setDraft({ ...current, ...patch });
  const byCategory = new Map<string, CatalogEntry[]>();
  for (const e of catalog.data.items) byCategory.set(e.category, [...(byCategory.get(e.category) ?? []), e]);

  const save = async (e: Event) => {
    e.preventDefault();
    setSaving(true);
    setError(undefined);
    const body = {
      identifier: current.identifier,
      tags: current.tags,
      name: current.name,
      description: current.description,
      type: current.type,
      spec: pruneEmpty(current.spec) ?? {},
    };
    try {
      const saved = connectorRef
        ? await api<ConnectorView>('PUT', `/v1/connectors/${encodeURIComponent(connectorRef)}${scopeQuery(scope)}`, {
            json: { ...body, version: existing.data?.version },
          })
        : await api<ConnectorView>('POST', `/v1/connectors${scopeQuery(scope)}`, { json: body });
      location.hash = href.connector(saved.ref);
    } catch (err) {
      setError(err as Error);
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <PageHeader title={connectorRef ? `Edit ${current.name || connectorRef}` : 'New connector'} />
      <p class="muted">
        {connectorRef
          ? `Changes apply to the ${current.type} connector ${connectorRef}.`
          : `The connector is created in the ${describeScope(scope)}.`}
      </p>
      <form class="card form" onSubmit={save} noValidate>
        <div class="field">
          <label for="connector-type">
            Type
            <RequiredMark />
          </label>
          <select
            id="connector-type"
            required
            disabled={Boolean(connectorRef)}
            value={current.type}
            onChange={(e) => update({ type: e.currentTarget.value, spec: {} })}
          >
            <option value="">(choose a type)</option>
            {[...byCategory].map(([category, entries]) => (
              <optgroup key={category} label={category}>
                {entries.map((t) => (
                  <option key={t.type} value={t.type}>
                    {t.displayName}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          {entry && <div class="hint">{entry.description}</div>}
        </div>
        <div class="field">
          <label for="connector-name">
            Name
            <RequiredMark />
          </label>
          <input
            id="connector-name"
            required
            value={current.name}
            onInput={(e) => update({ name: e.currentTarget.value })}
          />
        </div>
        <div class="field">
          <label for="connector-identifier">
            Identifier
            <RequiredMark />
          </label>
          <input
            id="connector-identifier"
            required
            disabled={Boolean(connectorRef)}
            pattern="[A-Za-z_][A-Za-z0-9_]{0,127}"
            aria-describedby="connector-identifier-hint"
            value={current.identifier}
            onInput={(e) => update({ identifier: e.currentTarget.value })}
          />
          <div class="hint" id="connector-identifier-hint">
            Letters, digits and _; referenced from pipelines, cannot change later.
          </div>
          {errors['identifier'] && <div class="field-error">{errors['identifier']}</div>}
        </div>
        <div class="field">
          <label for="connector-description">Description</label>
          <input
            id="connector-description"
            value={current.description}
            onInput={(e) => update({ description: e.currentTarget.value })}
          />
        </div>
        {entry && (
          <fieldset class="group">
            <legend>{entry.displayName} settings</legend>
            {entry.docsHint && <p class="hint">{entry.docsHint}</p>}
            <Fields fields={fields} value={current.spec} onChange={(spec) => update({ spec })} errors={errors} />
          </fieldset>
        )}
        <datalist id="secret-refs">
          {secrets.data?.items.map((s) => (
            <option key={s.ref} value={s.ref}>
              {s.name}
            </option>
          ))}
        </datalist>
        <ErrorMessage error={error} />
        <div class="form-actions">
          <button type="submit" class="primary" disabled={saving || !current.type}>
            {saving ? 'Saving…' : connectorRef ? 'Save changes' : 'Create connector'}
          </button>
          <a class="button" href={connectorRef ? href.connector(connectorRef) : href.connectors()}>
            Cancel
          </a>
        </div>
      </form>
    </>
  );
}
