/** The console's pages, addressed by the URL hash (`#/connectors/org.github`), so any page can be bookmarked. */
export type Route =
  | { page: 'login' }
  | { page: 'connectors' }
  | { page: 'connector-new' }
  | { page: 'connector'; ref: string }
  | { page: 'connector-edit'; ref: string }
  | { page: 'delegates' }
  | { page: 'secrets' }
  | { page: 'pipelines' }
  | { page: 'pipeline'; id: string }
  | { page: 'execution'; pipeline: string; id: string };

const REF = /^((account|org)\.)?[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const UUID = /^[0-9a-f-]{36}$/;

export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [section, a, b, c] = parts;
  switch (section) {
    case 'login':
      return { page: 'login' };
    case 'connectors':
      if (a === 'new' && parts.length === 2) return { page: 'connector-new' };
      if (a && REF.test(a) && parts.length === 2) return { page: 'connector', ref: a };
      if (a && REF.test(a) && b === 'edit' && parts.length === 3) return { page: 'connector-edit', ref: a };
      return { page: 'connectors' };
    case 'delegates':
      return { page: 'delegates' };
    case 'secrets':
      return { page: 'secrets' };
    case 'pipelines':
      if (a && REF.test(a) && b === 'executions' && c && UUID.test(c) && parts.length === 4)
        return { page: 'execution', pipeline: a, id: c };
      if (a && REF.test(a) && parts.length === 2) return { page: 'pipeline', id: a };
      return { page: 'pipelines' };
    default:
      return { page: 'connectors' };
  }
}

export const href = {
  connectors: () => '#/connectors',
  newConnector: () => '#/connectors/new',
  connector: (ref: string) => `#/connectors/${encodeURIComponent(ref)}`,
  editConnector: (ref: string) => `#/connectors/${encodeURIComponent(ref)}/edit`,
  delegates: () => '#/delegates',
  secrets: () => '#/secrets',
  pipelines: () => '#/pipelines',
  pipeline: (id: string) => `#/pipelines/${encodeURIComponent(id)}`,
  execution: (pipeline: string, id: string) => `#/pipelines/${encodeURIComponent(pipeline)}/executions/${id}`,
};
