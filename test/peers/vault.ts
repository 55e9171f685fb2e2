/**
 * STAND-IN for HashiCorp Vault (no Vault or OpenBao package exists for Debian or npm).
 *
 * Follows the Vault HTTP API docs: KV v1 (`/secret/kv/kv-v1`), KV v2 (`/secret/kv/kv-v2`: read with
 * `?version=N`, response `{data:{data,metadata}}`), token auth (`X-Vault-Token` or `Authorization:
 * Bearer`, `GET /v1/auth/token/lookup-self`), AppRole login (`/auth/approle`), `GET /v1/sys/health`,
 * Enterprise namespaces (`X-Vault-Namespace` header or a path prefix), and the error format of
 * "HTTP status codes and errors" (`{"errors":[…]}`; 403 permission denied, 404 `{"errors":[]}`,
 * 400 for a bad AppRole login, 503 while sealed).
 * Policies are reduced to path-prefix globs per token. Only reads are implemented.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { json, Reply, startStandIn, StandIn, StandInRequest } from './stand-in';

type SecretData = Record<string, unknown>;

export type VaultMount =
  | { type: 'kv-v1'; secrets: Record<string, SecretData> }
  /** Versions oldest first: version N is `secrets[path][N - 1]`. */
  | { type: 'kv-v2'; secrets: Record<string, SecretData[]> };

export interface VaultTokenGrant {
  /** Paths (relative to the namespace, e.g. `secret/data/app/*`) the token may read; `*` for all. */
  allow: string[];
  /** Namespace the token belongs to ('' = root); it can also reach namespaces below it. */
  namespace?: string;
  policies?: string[];
}

export interface VaultOptions {
  /** Mounts of the root namespace, e.g. `{ secret: { type: 'kv-v2', secrets: {…} } }`. */
  mounts?: Record<string, VaultMount>;
  /** Enterprise namespaces: name (`team-a`, `team-a/dev`) → its mounts. */
  namespaces?: Record<string, Record<string, VaultMount>>;
  /** Extra tokens besides the generated root token. */
  tokens?: Record<string, VaultTokenGrant>;
  /** An AppRole whose login yields a token with this grant. */
  approle?: { roleName?: string; roleId?: string; secretId?: string } & VaultTokenGrant;
  /** For leak tests: an unknown token's 403 quotes the token back, as careless servers do. */
  quoteRejectedTokens?: boolean;
}

export interface VaultStandIn extends StandIn {
  rootToken: string;
  approle: { roleName: string; roleId: string; secretId: string; mount: 'approle' };
  /** Seal or unseal: sealed, sys/health answers 503 and everything else 503 "Vault is sealed". */
  setSealed(sealed: boolean): void;
}

const PERMISSION_DENIED = json(403, { errors: ['permission denied'] });
const NOT_FOUND = json(404, { errors: [] });

function globMatches(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  return pattern.endsWith('*') ? value.startsWith(pattern.slice(0, -1)) : value === pattern;
}

function envelope(extra: Record<string, unknown>): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data: null,
    wrap_info: null,
    warnings: null,
    auth: null,
    ...extra,
  };
}

export async function startVault(options: VaultOptions = {}): Promise<VaultStandIn> {
  const rootToken = `hvs.${randomBytes(18).toString('base64url')}`;
  const unknownToken = (token: string | undefined): Reply =>
    options.quoteRejectedTokens && token ? json(403, { errors: [`permission denied: token "${token}" is not valid`] }) : PERMISSION_DENIED;
  const namespaces: Record<string, Record<string, VaultMount>> = {
    '': options.mounts ?? {},
    ...(options.namespaces ?? {}),
  };
  const tokens = new Map<string, VaultTokenGrant & { policies: string[]; created: number; accessor: string }>();
  const grant = (token: string, value: VaultTokenGrant, defaults: string[]) =>
    tokens.set(token, {
      ...value,
      policies: value.policies ?? defaults,
      created: Date.now(),
      accessor: randomBytes(12).toString('base64url'),
    });
  grant(rootToken, { allow: ['*'], namespace: '' }, ['root']);
  for (const [token, value] of Object.entries(options.tokens ?? {})) grant(token, value, ['default']);
  const approle = {
    roleName: options.approle?.roleName ?? 'conduit-delegate',
    roleId: options.approle?.roleId ?? randomUUID(),
    secretId: options.approle?.secretId ?? randomUUID(),
    mount: 'approle' as const,
  };
  const approleGrant: VaultTokenGrant = options.approle ?? { allow: ['*'] };
  let sealed = false;

  const tokenOf = (request: StandInRequest) => {
    const header = request.headers['x-vault-token'];
    if (typeof header === 'string' && header) return header;
    return /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  };

  /** Resolves `X-Vault-Namespace` plus any namespace prefix of the path against the known namespaces. */
  const resolveNamespace = (request: StandInRequest, apiPath: string) => {
    const header = String(request.headers['x-vault-namespace'] ?? '').replace(/^\/|\/$/g, '');
    let namespace = header;
    let rest = apiPath;
    // A namespace can also be given as a path prefix: /v1/team-a/secret/data/x.
    for (const candidate of Object.keys(namespaces)
      .filter(Boolean)
      .sort((a, b) => b.length - a.length)) {
      const relative = header ? candidate.slice(header.length + 1) : candidate;
      if (header && !candidate.startsWith(`${header}/`)) continue;
      if (relative && rest.startsWith(`${relative}/`)) {
        namespace = candidate;
        rest = rest.slice(relative.length + 1);
        break;
      }
    }
    return { namespace, rest };
  };

  const canReach = (holder: VaultTokenGrant, namespace: string) => {
    const own = holder.namespace ?? '';
    return own === '' || namespace === own || namespace.startsWith(`${own}/`);
  };

  const read = (request: StandInRequest): Reply => {
    if (sealed) return json(503, { errors: ['Vault is sealed'] });
    const token = tokenOf(request);
    const holder = token ? tokens.get(token) : undefined;
    if (!holder) return unknownToken(token);
    const { namespace, rest } = resolveNamespace(request, request.params['path']);
    const identity = holder.policies.includes('root') ? 'root' : `token:${holder.policies.join(',')}`;
    if (!(namespace in namespaces) || !canReach(holder, namespace)) return { ...PERMISSION_DENIED, identity };
    const [mountName, ...segments] = rest.split('/');
    const mount = namespaces[namespace][mountName];
    if (!holder.allow.some((pattern) => globMatches(pattern, rest))) return { ...PERMISSION_DENIED, identity };
    if (!mount) {
      return { ...json(404, { errors: [`no handler for route "${rest}". route entry not found.`] }), identity };
    }
    if (mount.type === 'kv-v1') {
      const data = mount.secrets[segments.join('/')];
      if (!data) return { ...NOT_FOUND, identity };
      return { ...json(200, envelope({ lease_duration: 2764800, data, mount_type: 'kv' })), identity };
    }
    if (segments[0] !== 'data') {
      // Reading a KV v2 mount with the v1 path shape: Vault answers 404 with a hint in warnings.
      return {
        ...json(404, {
          errors: [],
          warnings: [
            "Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' for this operation.",
          ],
        }),
        identity,
      };
    }
    const versions = mount.secrets[segments.slice(1).join('/')];
    if (!versions || versions.length === 0) return { ...NOT_FOUND, identity };
    const requested = request.query.get('version');
    const version = requested && requested !== '0' ? Number(requested) : versions.length;
    if (!Number.isInteger(version) || version < 1 || version > versions.length) return { ...NOT_FOUND, identity };
    const created = new Date(Date.UTC(2024, 0, version)).toISOString();
    return {
      ...json(
        200,
        envelope({
          data: {
            data: versions[version - 1],
            metadata: { created_time: created, custom_metadata: null, deletion_time: '', destroyed: false, version },
          },
          mount_type: 'kv',
        }),
      ),
      identity,
    };
  };

  const standIn = await startStandIn({
    name: 'vault',
    credentialHeaders: ['x-vault-token'],
    notFound: () => NOT_FOUND,
    routes: [
      {
        method: 'GET',
        path: '/v1/sys/health',
        handle: () =>
          json(sealed ? 503 : 200, {
            initialized: true,
            sealed,
            standby: false,
            performance_standby: false,
            replication_performance_mode: 'disabled',
            replication_dr_mode: 'disabled',
            server_time_utc: Math.floor(Date.now() / 1000),
            version: '1.15.6',
            cluster_name: 'vault-cluster-conduit',
            cluster_id: '5f4c2d0e-0000-4000-8000-000000000000',
          }),
      },
      {
        method: 'GET',
        path: '/v1/auth/token/lookup-self',
        handle: (request) => {
          if (sealed) return json(503, { errors: ['Vault is sealed'] });
          const token = tokenOf(request);
          const holder = token ? tokens.get(token) : undefined;
          if (!token || !holder) return unknownToken(token);
          const root = holder.policies.includes('root');
          return {
            ...json(
              200,
              envelope({
                data: {
                  accessor: holder.accessor,
                  creation_time: Math.floor(holder.created / 1000),
                  creation_ttl: root ? 0 : 2764800,
                  display_name: root ? 'root' : `approle`,
                  entity_id: '',
                  expire_time: null,
                  explicit_max_ttl: 0,
                  id: token,
                  meta: null,
                  namespace_path: holder.namespace ? `${holder.namespace}/` : '',
                  num_uses: 0,
                  orphan: true,
                  path: root ? 'auth/token/root' : 'auth/approle/login',
                  policies: holder.policies,
                  renewable: !root,
                  ttl: root ? 0 : 2764800,
                  type: 'service',
                },
              }),
            ),
            identity: root ? 'root' : `token:${holder.policies.join(',')}`,
          };
        },
      },
      {
        method: 'POST',
        path: '/v1/auth/approle/login',
        handle: (request) => {
          if (sealed) return json(503, { errors: ['Vault is sealed'] });
          const body = request.json() as { role_id?: string; secret_id?: string } | undefined;
          if (!body?.role_id) return json(400, { errors: ['missing role_id'] });
          if (body.role_id !== approle.roleId || body.secret_id !== approle.secretId) {
            return json(400, { errors: ['invalid role or secret ID'] });
          }
          const clientToken = `hvs.${randomBytes(18).toString('base64url')}`;
          const policies = approleGrant.policies ?? ['default'];
          grant(clientToken, { ...approleGrant, policies }, policies);
          return {
            ...json(
              200,
              envelope({
                auth: {
                  client_token: clientToken,
                  accessor: tokens.get(clientToken)?.accessor,
                  policies,
                  token_policies: policies,
                  metadata: { role_name: approle.roleName },
                  lease_duration: 2764800,
                  renewable: true,
                  entity_id: randomUUID(),
                  token_type: 'service',
                  orphan: true,
                },
              }),
            ),
            identity: `approle:${approle.roleName}`,
          };
        },
      },
      { method: 'GET', path: '/v1/{path+}', handle: read },
    ],
  });
  return { ...standIn, rootToken, approle, setSealed: (value) => void (sealed = value) };
}
