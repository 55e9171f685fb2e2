import { useState } from 'preact/hooks';
import { session, verifyApiKey } from '../api';
import { ErrorMessage } from '../ui';

/** Sign in with an API key (`cdk_…`); it is checked against the API before it is kept for this tab. */
export function LoginPage({ onSignedIn }: { onSignedIn: () => void }) {
  const [apiKey, setApiKey] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await verifyApiKey(apiKey.trim());
      session.signIn(apiKey.trim());
      onSignedIn();
    } catch (err) {
      setError(err as Error);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <form class="card" onSubmit={submit}>
        <h1>Conduit console</h1>
        <p class="muted">Sign in with an API key. It stays in this browser tab only and is sent with every request.</p>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          required
          placeholder="cdk_…"
          value={apiKey}
          onInput={(e) => setApiKey(e.currentTarget.value)}
        />
        <p class="hint">
          After <code>npm start</code> the admin key is in <code>.conduit/admin-api-key</code>.
        </p>
        <ErrorMessage error={error} />
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
