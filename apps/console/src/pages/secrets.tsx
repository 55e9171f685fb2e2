import { sealForGroupsInBrowser, secretSealingContext } from '@conduit/crypto/browser';
import { useState } from 'preact/hooks';
import { api, describeScope, type Scope, scopeQuery } from '../api';
import { DataTable, ErrorMessage, Loading, PageHeader, RequiredMark, Time, useLoad } from '../ui';
import type { DelegateGroupView, Page, SecretView } from '../views';

/**
 * A text secret whose value is sealed here, with WebCrypto, to every delegate group's public key: the
 * control plane receives and stores only the envelope, which it cannot open.
 */
function CreateSecret({ scope, onCreated }: { scope: Scope; onCreated: (message: string) => void }) {
  const [form, setForm] = useState({ identifier: '', name: '', description: '', value: '' });
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const set = (key: keyof typeof form) => (e: { currentTarget: { value: string } }) =>
    setForm((f) => ({ ...f, [key]: e.currentTarget.value }));
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const [{ account }, groups] = await Promise.all([
        api<{ account: string }>('GET', '/v1/organizations'),
        api<{ items: DelegateGroupView[] }>('GET', '/v1/delegate-groups'),
      ]);
      const keyed = groups.items.filter((g): g is DelegateGroupView & { publicKey: string } => Boolean(g.publicKey));
      const address = { account, org: scope.org ?? null, project: scope.project ?? null, identifier: form.identifier };
      const plaintext = new TextEncoder().encode(JSON.stringify({ kind: 'text', value: form.value }));
      const sealed = await sealForGroupsInBrowser(
        plaintext,
        secretSealingContext(address, 1),
        keyed.map((g) => ({ groupId: g.name, publicKey: g.publicKey, keyId: g.keyId })),
      );
      plaintext.fill(0);
      const created = await api<SecretView>('POST', `/v1/secrets${scopeQuery(scope)}`, {
        json: {
          identifier: form.identifier,
          name: form.name || form.identifier,
          description: form.description,
          kind: 'text',
          sealed,
        },
      });
      setForm({ identifier: '', name: '', description: '', value: '' });
      onCreated(
        `Created secret ${created.ref}, sealed in this browser for delegate group${keyed.length === 1 ? '' : 's'} ${keyed.map((g) => g.name).join(', ')}.`,
      );
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="card form" onSubmit={submit} aria-labelledby="new-secret-heading">
      <h2 id="new-secret-heading">New text secret</h2>
      <p class="muted small">
        The value is encrypted in this browser to the delegate groups’ public keys before it is sent; Conduit’s server
        never sees it.
      </p>
      <div class="field">
        <label for="secret-identifier">
          Identifier
          <RequiredMark />
        </label>
        <input
          id="secret-identifier"
          required
          pattern="[A-Za-z_][A-Za-z0-9_]{0,127}"
          value={form.identifier}
          onInput={set('identifier')}
        />
      </div>
      <div class="field">
        <label for="secret-name">Name</label>
        <input id="secret-name" value={form.name} placeholder="(the identifier)" onInput={set('name')} />
      </div>
      <div class="field">
        <label for="secret-description">Description</label>
        <input id="secret-description" value={form.description} onInput={set('description')} />
      </div>
      <div class="field">
        <label for="secret-value">
          Value
          <RequiredMark />
        </label>
        <input
          id="secret-value"
          type="password"
          autoComplete="new-password"
          required
          value={form.value}
          onInput={set('value')}
        />
      </div>
      <ErrorMessage error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? 'Sealing…' : 'Seal and create'}
      </button>
    </form>
  );
}

export function SecretsPage({ scope }: { scope: Scope }) {
  const secrets = useLoad(
    () => api<Page<SecretView>>('GET', `/v1/secrets${scopeQuery(scope)}`),
    [scope.org, scope.project],
  );
  const [notice, setNotice] = useState<string>();
  return (
    <>
      <PageHeader title="Secrets" />
      <p class="muted">Secrets of the {describeScope(scope)}: metadata only, values are never shown.</p>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      <div class="columns">
        <section aria-labelledby="secrets-heading" class="card">
          <h2 id="secrets-heading">Secrets</h2>
          <ErrorMessage error={secrets.error} />
          {!secrets.data && !secrets.error && <Loading what="secrets" />}
          {secrets.data && (
            <DataTable
              caption="Secrets"
              rows={secrets.data.items}
              rowKey={(secret) => secret.ref}
              empty="No secrets in this scope."
              columns={[
                { label: 'Reference', cell: (secret) => <code>{secret.ref}</code> },
                { label: 'Name', cell: (secret) => secret.name },
                { label: 'Kind', cell: (secret) => secret.kind },
                { label: 'Version', cell: (secret) => secret.version },
                { label: 'Updated', cell: (secret) => <Time at={secret.updatedAt} /> },
              ]}
            />
          )}
        </section>
        <CreateSecret
          scope={scope}
          onCreated={(message) => {
            setNotice(message);
            secrets.reload();
          }}
        />
      </div>
    </>
  );
}
