import { useState } from 'preact/hooks';
import { api, type Scope, scopeQuery } from '../api';
import { Badge, DataTable, ErrorMessage, Loading, PageHeader, Time, useInterval, useLoad } from '../ui';
import type { DelegateGroupView, DelegateTokenView, DelegateView } from '../views';

interface CreatedToken {
  id: string;
  name: string;
  token: string;
  install: Record<string, string>;
}

/** A new token is shown once, with its install commands; it cannot be read again. */
function TokenCreated({ created, onDismiss }: { created: CreatedToken; onDismiss: () => void }) {
  return (
    <div class="card notice" role="status">
      <h3>Token “{created.name}” created</h3>
      <p>Copy it now: it is shown only once.</p>
      <label for="new-token">Delegate token</label>
      <input id="new-token" class="mono" readOnly value={created.token} onFocus={(e) => e.currentTarget.select()} />
      {Object.entries(created.install).map(([how, command]) => (
        <div key={how}>
          <div class="small muted">{how}</div>
          <pre class="mono">{command}</pre>
        </div>
      ))}
      <button type="button" onClick={onDismiss}>
        Done
      </button>
    </div>
  );
}

function Tokens({ scope }: { scope: Scope }) {
  const tokens = useLoad(() => api<{ items: DelegateTokenView[] }>('GET', '/v1/delegate-tokens'), []);
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedToken>();
  const [error, setError] = useState<Error>();
  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    try {
      setCreated(await api<CreatedToken>('POST', `/v1/delegate-tokens${scopeQuery(scope)}`, { json: { name } }));
      setName('');
      tokens.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  const revoke = async (token: DelegateTokenView) => {
    if (!confirm(`Revoke token ${token.name}? Delegates using it drain and disconnect.`)) return;
    try {
      await api('POST', `/v1/delegate-tokens/${token.id}/revoke`);
      tokens.reload();
    } catch (err) {
      setError(err as Error);
    }
  };
  return (
    <section aria-labelledby="tokens-heading" class="card">
      <h2 id="tokens-heading">Delegate tokens</h2>
      <form class="inline-form" onSubmit={create}>
        <label for="token-name">New token name</label>
        <input id="token-name" required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" class="primary">
          Create token
        </button>
      </form>
      <ErrorMessage error={error ?? tokens.error} />
      {created && <TokenCreated created={created} onDismiss={() => setCreated(undefined)} />}
      {tokens.data && (
        <DataTable
          caption="Delegate tokens"
          rows={tokens.data.items}
          rowKey={(t) => t.id}
          empty="No delegate tokens yet."
          columns={[
            { label: 'Name', cell: (t) => t.name },
            { label: 'Created', cell: (t) => <Time at={t.createdAt} /> },
            { label: 'State', cell: (t) => <Badge status={t.revokedAt ? 'revoked' : 'valid'} /> },
            {
              label: 'Actions',
              hidden: true,
              cell: (t) =>
                !t.revokedAt && (
                  <button
                    type="button"
                    class="danger small"
                    onClick={() => revoke(t)}
                    aria-label={`Revoke token ${t.name}`}
                  >
                    Revoke
                  </button>
                ),
            },
          ]}
        />
      )}
    </section>
  );
}

export function DelegatesPage({ scope }: { scope: Scope }) {
  const delegates = useLoad(() => api<{ items: DelegateView[] }>('GET', '/v1/delegates'), []);
  const groups = useLoad(() => api<{ items: DelegateGroupView[] }>('GET', '/v1/delegate-groups'), []);
  useInterval(delegates.reload, 5000, true);
  return (
    <>
      <PageHeader title="Delegates" />
      <section aria-labelledby="delegates-heading" class="card">
        <h2 id="delegates-heading">Connected agents</h2>
        <ErrorMessage error={delegates.error} />
        {!delegates.data && !delegates.error && <Loading what="delegates" />}
        {delegates.data && (
          <DataTable
            caption="Delegates"
            rows={delegates.data.items}
            rowKey={(d) => d.id}
            empty="No delegate has connected yet: create a token below and start one."
            columns={[
              { label: 'Name', cell: (d) => d.name },
              { label: 'Group', cell: (d) => d.group },
              { label: 'Status', cell: (d) => <Badge status={d.status} /> },
              {
                label: 'Tags',
                cell: (d) =>
                  d.tags.length ? (
                    d.tags.map((t) => (
                      <span class="tag" key={t}>
                        {t}
                      </span>
                    ))
                  ) : (
                    <span class="muted">none</span>
                  ),
              },
              { label: 'Version', cell: (d) => d.version },
              {
                label: 'Load',
                cell: (d) => (
                  <>
                    <meter min={0} max={d.capacity} value={d.running} aria-label={`load of ${d.name}`} /> {d.running}/
                    {d.capacity}
                  </>
                ),
              },
              { label: 'Last heartbeat', cell: (d) => <Time at={d.lastHeartbeatAt} /> },
            ]}
          />
        )}
      </section>
      <section aria-labelledby="groups-heading" class="card">
        <h2 id="groups-heading">Groups</h2>
        <p class="muted small">Secrets are sealed to each group's public key; only its delegates can open them.</p>
        <ErrorMessage error={groups.error} />
        <ul>
          {groups.data?.items.map((g) => (
            <li key={g.name}>
              <strong>{g.name}</strong> <span class="muted">key id</span> <code>{g.keyId ?? 'no key yet'}</code>
            </li>
          ))}
        </ul>
      </section>
      <Tokens scope={scope} />
    </>
  );
}
