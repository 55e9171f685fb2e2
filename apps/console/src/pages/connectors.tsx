import { useState } from 'preact/hooks';
import { api, describeScope, type Scope, scopeQuery } from '../api';
import { href } from '../routes';
import { Badge, DataTable, ErrorMessage, Loading, PageHeader, Time, useLoad } from '../ui';
import type { CatalogEntry, ConnectorStatus, ConnectorView, Page } from '../views';

const STATUSES: ConnectorStatus[] = ['ACTIVE', 'FAILED', 'UNCONFIGURED'];

/** Connectors of the current scope, filtered on the server (category, type, status, search). */
export function ConnectorsPage({ scope }: { scope: Scope }) {
  const [filters, setFilters] = useState({ search: '', category: '', type: '', status: '' });
  const catalog = useLoad(() => api<{ items: CatalogEntry[] }>('GET', '/v1/connector-catalog'), []);
  const connectors = useLoad(
    () =>
      api<Page<ConnectorView>>(
        'GET',
        `/v1/connectors${scopeQuery(scope, { search: filters.search || undefined, category: filters.category || undefined, type: filters.type || undefined, status: filters.status || undefined, limit: '200' })}`,
      ),
    [scope.org, scope.project, filters.search, filters.category, filters.type, filters.status],
  );
  const categories = [...new Set(catalog.data?.items.map((e) => e.category))].sort();
  const types = (catalog.data?.items ?? []).filter((e) => !filters.category || e.category === filters.category);
  const set = (key: keyof typeof filters) => (e: { currentTarget: { value: string } }) =>
    setFilters((f) => ({ ...f, [key]: e.currentTarget.value }));

  return (
    <>
      <PageHeader title="Connectors">
        <a class="button primary" href={href.newConnector()}>
          New connector
        </a>
      </PageHeader>
      <p class="muted">Connectors defined in the {describeScope(scope)}.</p>
      <form class="filters" role="search" aria-label="Filter connectors" onSubmit={(e) => e.preventDefault()}>
        <label>
          Search
          <input type="search" placeholder="name or identifier" value={filters.search} onInput={set('search')} />
        </label>
        <label>
          Category
          <select value={filters.category} onChange={set('category')}>
            <option value="">All</option>
            {categories.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={filters.type} onChange={set('type')}>
            <option value="">All</option>
            {types.map((t) => (
              <option key={t.type} value={t.type}>
                {t.displayName}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status
          <select value={filters.status} onChange={set('status')}>
            <option value="">All</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0) + s.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorMessage error={connectors.error} />
      {!connectors.data && !connectors.error && <Loading what="connectors" />}
      {connectors.data && (
        <DataTable
          caption="Connectors"
          rows={connectors.data.items}
          rowKey={(c) => c.ref}
          empty="No connectors match."
          columns={[
            {
              label: 'Name',
              cell: (c) => (
                <>
                  <a href={href.connector(c.ref)}>{c.name}</a>
                  <div class="muted small">{c.ref}</div>
                </>
              ),
            },
            { label: 'Type', cell: (c) => c.type },
            { label: 'Category', cell: (c) => c.category },
            { label: 'Status', cell: (c) => <Badge status={c.status} /> },
            { label: 'Last tested', cell: (c) => <Time at={c.lastTestedAt} /> },
          ]}
        />
      )}
    </>
  );
}
