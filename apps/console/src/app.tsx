/** The shell: a header with the navigation and the scope picker, and the page the URL hash names. */
import { useEffect, useState } from 'preact/hooks';
import { api, type Scope, session } from './api';
import { ConnectorDetailPage } from './pages/connector-detail';
import { ConnectorFormPage } from './pages/connector-form';
import { ConnectorsPage } from './pages/connectors';
import { DelegatesPage } from './pages/delegates';
import { ExecutionPage } from './pages/execution';
import { LoginPage } from './pages/login';
import { PipelinePage, PipelinesPage } from './pages/pipelines';
import { SecretsPage } from './pages/secrets';
import { href, parseRoute, type Route } from './routes';
import { useLoad } from './ui';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => {
      setRoute(parseRoute(location.hash));
      // Move focus to the new page's heading so keyboard and screen-reader users land on it.
      requestAnimationFrame(() => document.getElementById('page-title')?.focus());
    };
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

const SECTIONS = [
  {
    label: 'Connectors',
    href: href.connectors(),
    pages: ['connectors', 'connector', 'connector-new', 'connector-edit'],
  },
  { label: 'Delegates', href: href.delegates(), pages: ['delegates'] },
  { label: 'Secrets', href: href.secrets(), pages: ['secrets'] },
  { label: 'Pipelines', href: href.pipelines(), pages: ['pipelines', 'pipeline', 'execution'] },
];

interface Named {
  identifier: string;
  name: string;
}

function ScopePicker({ scope, onChange }: { scope: Scope; onChange: (scope: Scope) => void }) {
  const orgs = useLoad(() => api<{ items: Named[] }>('GET', '/v1/organizations'), []);
  const projects = useLoad(
    () =>
      scope.org
        ? api<{ items: Named[] }>('GET', `/v1/organizations/${encodeURIComponent(scope.org)}/projects`)
        : Promise.resolve({ items: [] }),
    [scope.org],
  );
  return (
    <div class="scope-picker" role="group" aria-label="Scope">
      <label>
        Organization
        <select
          value={scope.org ?? ''}
          onChange={(e) => onChange(e.currentTarget.value ? { org: e.currentTarget.value } : {})}
        >
          <option value="">(account)</option>
          {orgs.data?.items.map((o) => (
            <option key={o.identifier} value={o.identifier}>
              {o.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Project
        <select
          value={scope.project ?? ''}
          disabled={!scope.org}
          onChange={(e) =>
            onChange({
              ...(scope.org ? { org: scope.org } : {}),
              ...(e.currentTarget.value ? { project: e.currentTarget.value } : {}),
            })
          }
        >
          <option value="">(none)</option>
          {projects.data?.items.map((p) => (
            <option key={p.identifier} value={p.identifier}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function Page({ route, scope }: { route: Route; scope: Scope }) {
  switch (route.page) {
    case 'login':
    case 'connectors':
      return <ConnectorsPage scope={scope} />;
    case 'connector-new':
      return <ConnectorFormPage scope={scope} />;
    case 'connector':
      return <ConnectorDetailPage scope={scope} connectorRef={route.ref} />;
    case 'connector-edit':
      return <ConnectorFormPage scope={scope} connectorRef={route.ref} />;
    case 'delegates':
      return <DelegatesPage scope={scope} />;
    case 'secrets':
      return <SecretsPage scope={scope} />;
    case 'pipelines':
      return <PipelinesPage scope={scope} />;
    case 'pipeline':
      return <PipelinePage scope={scope} id={route.id} />;
    case 'execution':
      return <ExecutionPage scope={scope} pipeline={route.pipeline} id={route.id} />;
  }
}

export function App() {
  const route = useRoute();
  const [signedIn, setSignedIn] = useState(() => session.apiKey() !== null);
  const [scope, setScope] = useState(session.scope);
  const changeScope = (next: Scope) => {
    session.setScope(next);
    setScope(next);
  };
  if (!signedIn || route.page === 'login') {
    return (
      <LoginPage
        onSignedIn={() => {
          setSignedIn(true);
          location.hash = href.connectors();
        }}
      />
    );
  }
  return (
    <>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href.connectors()}>
          Conduit
        </a>
        <nav aria-label="Main">
          <ul>
            {SECTIONS.map((s) => (
              <li key={s.label}>
                <a href={s.href} aria-current={s.pages.includes(route.page) ? 'page' : undefined}>
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <ScopePicker scope={scope} onChange={changeScope} />
        <button
          type="button"
          class="link-button"
          onClick={() => {
            session.signOut();
            setSignedIn(false);
          }}
        >
          Sign out
        </button>
      </header>
      <main id="main">
        <Page route={route} scope={scope} />
      </main>
    </>
  );
}
