/**
 * STAND-IN for the Kubernetes API server (no kube-apiserver package in Debian; kubectl alone is no server).
 *
 * Follows the Kubernetes API reference and "Controlling Access to the Kubernetes API": HTTPS with its
 * own CA; authentication by bearer token, client certificate (CN = user, O = groups, verified against
 * the CA) and basic auth; anonymous requests may only read /version, /healthz, /livez, /readyz;
 * invalid credentials → 401 Status, denied → 403 Status with the apiserver's message wording.
 * Resources: GET /version, GET /api/v1/namespaces, POST selfsubjectaccessreviews (answered from the
 * rule table), ConfigMaps (POST create, GET, PATCH merge or server-side apply) and Deployments
 * (GET, PATCH server-side apply with `application/apply-patch+yaml` and a required fieldManager).
 * `?dryRun=All` is honoured. Apply merges maps and replaces lists; it does not track field
 * ownership, so apply conflicts (409) are never reported.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { parse as parseYaml } from 'yaml';
import { createCertificateAuthority, issueCertificate } from './pki';
import { basicCredentials, json, Reply, startStandIn, StandIn, StandInRequest } from './stand-in';
import { makeTempDir } from './support';

export interface KubernetesRule {
  verbs: string[];
  /** API group ('' for core, 'apps', …) or '*'. */
  apiGroups: string[];
  /** Plural resource names or '*'. */
  resources: string[];
  /** Namespaces the rule applies to; omitted = every namespace and cluster-scoped resources. */
  namespaces?: string[];
}

export interface KubernetesUser {
  name: string;
  groups?: string[];
  rules: KubernetesRule[];
}

export interface KubernetesStandInOptions {
  /** Defaults to one user `conduit-deployer` with full access to namespaces, configmaps and deployments. */
  users?: KubernetesUser[];
  namespaces?: string[];
  gitVersion?: string;
}

export interface KubernetesCredentials {
  user: string;
  token: string;
  basic: { username: string; password: string };
  clientCert: string;
  clientKey: string;
}

export interface AppliedObject {
  operation: 'Apply' | 'Create' | 'Update';
  fieldManager: string;
  user: string;
  dryRun: boolean;
  object: KubeObject;
}

interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface KubernetesStandIn extends StandIn {
  /** The CA of the server certificate and of the client certificates it accepts. */
  caCert: string;
  /** Credentials per user name. */
  credentials: Record<string, KubernetesCredentials>;
  /** A client certificate from another CA: answered with 401. */
  foreignClientCert: string;
  foreignClientKey: string;
  /** Every create, update or apply, in order (dry runs included, marked). */
  applied: AppliedObject[];
  /** The stored object, as a GET would return it. */
  getObject(resource: 'configmaps' | 'deployments', namespace: string, name: string): KubeObject | undefined;
}

function status(code: number, reason: string, message: string, details?: Record<string, unknown>): Reply {
  return json(code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  });
}

const UNAUTHORIZED = status(401, 'Unauthorized', 'Unauthorized');

/** Maps merge recursively; lists and scalars are replaced (the apply default for lists without merge keys). */
function merge(base: unknown, patch: unknown): unknown {
  if (patch === null) return undefined;
  if (
    !base ||
    typeof base !== 'object' ||
    Array.isArray(base) ||
    !patch ||
    typeof patch !== 'object' ||
    Array.isArray(patch)
  ) {
    return patch;
  }
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    const merged = merge(out[key], value);
    if (merged === undefined) delete out[key];
    else out[key] = merged;
  }
  return out;
}

export async function startKubernetes(options: KubernetesStandInOptions = {}): Promise<KubernetesStandIn> {
  const users: KubernetesUser[] = options.users ?? [
    {
      name: 'conduit-deployer',
      groups: ['conduit'],
      rules: [
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['namespaces'] },
        {
          verbs: ['get', 'list', 'create', 'update', 'patch'],
          apiGroups: ['', 'apps'],
          resources: ['configmaps', 'deployments'],
        },
      ],
    },
  ];
  const temp = makeTempDir('kubernetes');
  try {
    const ca = await createCertificateAuthority(temp.dir, 'kubernetes-ca');
    const server = await issueCertificate(temp.dir, ca, 'apiserver', { kind: 'server', commonName: 'kube-apiserver' });
    const credentials: Record<string, KubernetesCredentials> = {};
    for (const user of users) {
      const cert = await issueCertificate(temp.dir, ca, `client-${user.name}`, {
        kind: 'client',
        commonName: user.name,
        organizations: user.groups,
      });
      credentials[user.name] = {
        user: user.name,
        token: `${randomBytes(6).toString('hex')}.${randomBytes(16).toString('hex')}`,
        basic: { username: user.name, password: `pw-${randomBytes(8).toString('hex')}` },
        clientCert: cert.cert,
        clientKey: cert.key,
      };
    }
    const foreignCa = await createCertificateAuthority(temp.dir, 'foreign-ca');
    const foreign = await issueCertificate(temp.dir, foreignCa, 'foreign-client', {
      kind: 'client',
      commonName: 'intruder',
    });
    temp.remove(); // everything needed is in memory now

    const namespaceCreated = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const namespaces = new Map(
      (options.namespaces ?? ['default', 'kube-system', 'kube-public', 'team-a']).map((name) => [
        name,
        {
          metadata: {
            name,
            uid: randomUUID(),
            resourceVersion: '1',
            creationTimestamp: namespaceCreated,
            labels: { 'kubernetes.io/metadata.name': name },
          },
          spec: { finalizers: ['kubernetes'] },
          status: { phase: 'Active' },
        },
      ]),
    );
    const store = new Map<string, KubeObject>();
    const applied: AppliedObject[] = [];
    let resourceVersion = 100;
    const key = (resource: string, namespace: string, name: string) => `${resource}/${namespace}/${name}`;

    /** Returns the user, 'anonymous' when no credentials were sent, or undefined for invalid ones. */
    const authenticate = (request: StandInRequest): { name: string; groups: string[] } | 'anonymous' | undefined => {
      const authorization = request.headers.authorization;
      const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
      if (bearer !== undefined) {
        const found = Object.values(credentials).find((c) => c.token === bearer);
        return found ? userInfo(found.user) : undefined;
      }
      const basic = basicCredentials(request.headers);
      if (basic) {
        const found = Object.values(credentials).find(
          (c) => c.basic.username === basic.username && c.basic.password === basic.password,
        );
        return found ? userInfo(found.user) : undefined;
      }
      if (authorization) return undefined;
      const certificate = request.tls?.certificate;
      if (certificate && Object.keys(certificate).length > 0) {
        if (!request.tls?.authorized) return undefined; // e.g. signed by an unknown authority
        const user = users.find((u) => u.name === certificate.subject.CN);
        return user ? userInfo(user.name) : { name: String(certificate.subject.CN), groups: [] };
      }
      return 'anonymous';
    };
    const userInfo = (name: string) => {
      const user = users.find((u) => u.name === name) as KubernetesUser;
      return { name, groups: [...(user.groups ?? []), 'system:authenticated'] };
    };

    const allowed = (user: string, verb: string, group: string, resource: string, namespace?: string) => {
      const found = users.find((u) => u.name === user);
      return (found?.rules ?? []).some(
        (rule) =>
          (rule.verbs.includes(verb) || rule.verbs.includes('*')) &&
          (rule.apiGroups.includes(group) || rule.apiGroups.includes('*')) &&
          (rule.resources.includes(resource) || rule.resources.includes('*')) &&
          (!rule.namespaces || (namespace !== undefined && rule.namespaces.includes(namespace))),
      );
    };

    const forbidden = (
      user: string,
      verb: string,
      group: string,
      resource: string,
      namespace?: string,
      name?: string,
    ) => {
      const qualified = group ? `${resource}.${group}` : resource;
      const scope = namespace ? `in the namespace "${namespace}"` : 'at the cluster scope';
      return status(
        403,
        'Forbidden',
        `${qualified}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}" ${scope}`,
        { ...(name ? { name } : {}), ...(group ? { group } : {}), kind: resource },
      );
    };

    type Handler = (request: StandInRequest, user: { name: string; groups: string[] }) => Reply;
    /** Authenticates, authorizes (when `access` is given) and records the identity. */
    const guarded =
      (
        access:
          | ((r: StandInRequest) => {
              verb: string;
              group: string;
              resource: string;
              namespace?: string;
              name?: string;
            })
          | undefined,
        handler: Handler,
      ) =>
      (request: StandInRequest): Reply => {
        const user = authenticate(request);
        if (user === undefined) return UNAUTHORIZED;
        const name = user === 'anonymous' ? 'system:anonymous' : user.name;
        if (access) {
          const a = access(request);
          if (user === 'anonymous' || !allowed(user.name, a.verb, a.group, a.resource, a.namespace)) {
            return { ...forbidden(name, a.verb, a.group, a.resource, a.namespace, a.name), identity: name };
          }
        } else if (user === 'anonymous') {
          return { ...forbidden(name, 'create', 'authorization.k8s.io', 'selfsubjectaccessreviews'), identity: name };
        }
        return { ...handler(request, user as { name: string; groups: string[] }), identity: name };
      };

    const publicInfo =
      (body: unknown) =>
      (request: StandInRequest): Reply => {
        const user = authenticate(request);
        if (user === undefined) return UNAUTHORIZED;
        return { ...json(200, body), identity: user === 'anonymous' ? 'system:anonymous' : user.name };
      };

    const save = (
      request: StandInRequest,
      user: string,
      resource: 'configmaps' | 'deployments',
      kind: string,
      apiVersion: string,
      operation: AppliedObject['operation'],
      incoming: KubeObject,
      existing: KubeObject | undefined,
    ): Reply => {
      const namespace = request.params['ns'];
      const name = incoming.metadata?.name ?? request.params['name'];
      const fieldManager =
        request.query.get('fieldManager') ?? String(request.headers['user-agent'] ?? 'unknown').split('/')[0];
      const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const base: KubeObject = existing ?? {
        apiVersion,
        kind,
        metadata: { name, namespace, uid: randomUUID(), creationTimestamp: now, generation: 0 },
      };
      const mergedObject = merge(base, { ...incoming, apiVersion, kind }) as KubeObject;
      const metadata = mergedObject.metadata as Record<string, unknown>;
      metadata['name'] = name;
      metadata['namespace'] = namespace;
      metadata['resourceVersion'] = String(++resourceVersion);
      if (kind === 'Deployment') metadata['generation'] = Number(existing?.metadata?.['generation'] ?? 0) + 1;
      else delete metadata['generation'];
      metadata['managedFields'] = [
        { manager: fieldManager, operation, apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: {} },
      ];
      const dryRun = request.query.get('dryRun') === 'All';
      applied.push({ operation, fieldManager, user, dryRun, object: structuredClone(mergedObject) });
      if (!dryRun) store.set(key(resource, namespace, name as string), mergedObject);
      return json(existing ? 200 : 201, mergedObject);
    };

    const parseApplyPatch = (request: StandInRequest): { object: KubeObject } | { error: Reply } => {
      try {
        const parsed = parseYaml(request.text()) as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Error('the body is not an object');
        return { object: parsed as KubeObject };
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return { error: status(400, 'BadRequest', `error decoding YAML: ${reason}`) };
      }
    };

    const patchHandler =
      (resource: 'configmaps' | 'deployments', kind: string, group: string, apiVersion: string): Handler =>
      (request, user) => {
        const namespace = request.params['ns'];
        const name = request.params['name'];
        const contentType = String(request.headers['content-type'] ?? '')
          .split(';')[0]
          .trim();
        const qualified = group ? `${resource}.${group}` : resource;
        if (!namespaces.has(namespace)) {
          return status(404, 'NotFound', `namespaces "${namespace}" not found`, {
            name: namespace,
            kind: 'namespaces',
          });
        }
        const existing = store.get(key(resource, namespace, name));
        if (contentType === 'application/apply-patch+yaml') {
          if (!request.query.get('fieldManager')) {
            return status(
              422,
              'Invalid',
              'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
              {
                group: 'meta.k8s.io',
                kind: 'PatchOptions',
                causes: [
                  {
                    reason: 'FieldValueRequired',
                    message: 'Required value: is required for apply patch',
                    field: 'fieldManager',
                  },
                ],
              },
            );
          }
          const parsed = parseApplyPatch(request);
          if ('error' in parsed) return parsed.error;
          const object = parsed.object;
          if (object.apiVersion !== apiVersion || object.kind !== kind) {
            return status(
              400,
              'BadRequest',
              `the API version in the data (${object.apiVersion}) does not match the expected API version (${apiVersion})`,
            );
          }
          if (object.metadata?.name !== name) {
            return status(
              400,
              'BadRequest',
              `the name of the object (${object.metadata?.name}) does not match the name on the URL (${name})`,
            );
          }
          return save(request, user.name, resource, kind, apiVersion, 'Apply', object, existing);
        }
        if (
          contentType === 'application/merge-patch+json' ||
          contentType === 'application/strategic-merge-patch+json'
        ) {
          if (!existing)
            return status(404, 'NotFound', `${qualified} "${name}" not found`, {
              name,
              ...(group ? { group } : {}),
              kind: resource,
            });
          const patch = request.json() as KubeObject | undefined;
          if (!patch) return status(400, 'BadRequest', 'invalid JSON patch body');
          return save(request, user.name, resource, kind, apiVersion, 'Update', patch, existing);
        }
        return status(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
        );
      };

    const getHandler =
      (resource: 'configmaps' | 'deployments', group: string): Handler =>
      (request) => {
        const object = store.get(key(resource, request.params['ns'], request.params['name']));
        if (object) return json(200, object);
        const qualified = group ? `${resource}.${group}` : resource;
        return status(404, 'NotFound', `${qualified} "${request.params['name']}" not found`, {
          name: request.params['name'],
          ...(group ? { group } : {}),
          kind: resource,
        });
      };

    const nsAccess = (verb: string, group: string, resource: string) => (r: StandInRequest) => ({
      verb,
      group,
      resource,
      namespace: r.params['ns'],
      name: r.params['name'],
    });

    const standIn = await startStandIn({
      name: 'kubernetes',
      tls: { key: server.key, cert: server.cert, ca: ca.cert, requestCert: true },
      notFound: () => status(404, 'NotFound', 'the server could not find the requested resource', {}),
      routes: [
        {
          method: 'GET',
          path: '/version',
          handle: publicInfo({
            major: '1',
            minor: (options.gitVersion ?? 'v1.29.4').split('.')[1],
            gitVersion: options.gitVersion ?? 'v1.29.4',
            gitCommit: '55019c83b0fd51ef4ced8c29eec2c4847f896e74',
            gitTreeState: 'clean',
            buildDate: '2024-04-16T15:03:16Z',
            goVersion: 'go1.21.9',
            compiler: 'gc',
            platform: 'linux/amd64',
          }),
        },
        ...['/healthz', '/livez', '/readyz'].map((path) => ({
          method: 'GET',
          path,
          handle: (request: StandInRequest): Reply => {
            const user = authenticate(request);
            if (user === undefined) return UNAUTHORIZED;
            return { status: 200, body: 'ok', headers: { 'content-type': 'text/plain; charset=utf-8' } };
          },
        })),
        {
          method: 'GET',
          path: '/api/v1/namespaces',
          handle: guarded(
            () => ({ verb: 'list', group: '', resource: 'namespaces' }),
            () =>
              json(200, {
                kind: 'NamespaceList',
                apiVersion: 'v1',
                metadata: { resourceVersion: String(resourceVersion) },
                items: [...namespaces.values()],
              }),
          ),
        },
        {
          method: 'POST',
          path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
          handle: guarded(undefined, (request, user) => {
            const review = request.json() as
              | {
                  spec?: {
                    resourceAttributes?: {
                      namespace?: string;
                      verb?: string;
                      group?: string;
                      resource?: string;
                      name?: string;
                    };
                  };
                }
              | undefined;
            const attributes = review?.spec?.resourceAttributes;
            if (!attributes?.verb || !attributes.resource) {
              return status(
                422,
                'Invalid',
                'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Required value',
                {
                  group: 'authorization.k8s.io',
                  kind: 'SelfSubjectAccessReview',
                },
              );
            }
            const ok = allowed(
              user.name,
              attributes.verb,
              attributes.group ?? '',
              attributes.resource,
              attributes.namespace || undefined,
            );
            return json(201, {
              kind: 'SelfSubjectAccessReview',
              apiVersion: 'authorization.k8s.io/v1',
              metadata: { creationTimestamp: null },
              spec: review?.spec,
              status: ok ? { allowed: true, reason: 'allowed by the stand-in rule table' } : { allowed: false },
            });
          }),
        },
        {
          method: 'POST',
          path: '/api/v1/namespaces/{ns}/configmaps',
          handle: guarded(nsAccess('create', '', 'configmaps'), (request, user) => {
            const namespace = request.params['ns'];
            if (!namespaces.has(namespace)) {
              return status(404, 'NotFound', `namespaces "${namespace}" not found`, {
                name: namespace,
                kind: 'namespaces',
              });
            }
            const object = request.json() as KubeObject | undefined;
            const name = object?.metadata?.name;
            if (!object || !name) {
              return status(
                422,
                'Invalid',
                'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
                {
                  kind: 'ConfigMap',
                },
              );
            }
            if (store.has(key('configmaps', namespace, name))) {
              return status(409, 'AlreadyExists', `configmaps "${name}" already exists`, { name, kind: 'configmaps' });
            }
            return save(request, user.name, 'configmaps', 'ConfigMap', 'v1', 'Create', object, undefined);
          }),
        },
        {
          method: 'GET',
          path: '/api/v1/namespaces/{ns}/configmaps/{name}',
          handle: guarded(nsAccess('get', '', 'configmaps'), getHandler('configmaps', '')),
        },
        {
          method: 'PATCH',
          path: '/api/v1/namespaces/{ns}/configmaps/{name}',
          handle: guarded(nsAccess('patch', '', 'configmaps'), patchHandler('configmaps', 'ConfigMap', '', 'v1')),
        },
        {
          method: 'GET',
          path: '/apis/apps/v1/namespaces/{ns}/deployments/{name}',
          handle: guarded(nsAccess('get', 'apps', 'deployments'), getHandler('deployments', 'apps')),
        },
        {
          method: 'PATCH',
          path: '/apis/apps/v1/namespaces/{ns}/deployments/{name}',
          handle: guarded(
            nsAccess('patch', 'apps', 'deployments'),
            patchHandler('deployments', 'Deployment', 'apps', 'apps/v1'),
          ),
        },
      ],
    });

    return {
      ...standIn,
      caCert: ca.cert,
      credentials,
      foreignClientCert: foreign.cert,
      foreignClientKey: foreign.key,
      applied,
      getObject: (resource, namespace, name) => {
        const object = store.get(key(resource, namespace, name));
        return object ? structuredClone(object) : undefined;
      },
    };
  } catch (error) {
    temp.remove();
    throw error;
  }
}
